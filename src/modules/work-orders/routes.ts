import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const workOrderRoutes: FastifyPluginAsyncTypebox = async () => {};
