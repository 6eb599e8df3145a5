import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const ticketRoutes: FastifyPluginAsyncTypebox = async () => {};
