import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const assetRoutes: FastifyPluginAsyncTypebox = async () => {};
