import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const vendorRoutes: FastifyPluginAsyncTypebox = async () => {};
