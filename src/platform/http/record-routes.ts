import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static, type TObject } from 'typebox';
import { etag, expectedVersion } from '../optimistic-lock.js';
import type { RecordService } from '../records/record-service.js';
import { IdParams, IfMatchHeader, Pagination } from '../schemas.js';
import { permit, tenantContext } from './auth.js';

export interface RecordRoutesOptions<C extends TObject, U extends TObject> {
  /** `/work-orders` */
  path: string;
  tag: string;
  schemas: { record: TObject; create: C; update: U; listQuery: TObject };
  /** Reading needs `view` when given, else only a token of the tenant. */
  permissions: { view?: string; create: string; update: string; delete: string };
  service: RecordService<Static<C>, Static<U>>;
}

/** The five routes of a record path (SPEC §4): list, create, get, patch, soft delete. */
export function recordRoutes<C extends TObject, U extends TObject>(
  options: RecordRoutesOptions<C, U>,
): FastifyPluginAsyncTypebox {
  const { path, tag, schemas, permissions, service } = options;
  const readGuard = permissions.view ? { preValidation: permit(permissions.view) } : {};
  return async (app) => {
    app.get(
      path,
      {
        schema: {
          tags: [tag],
          querystring: schemas.listQuery,
          response: {
            200: Type.Object({ data: Type.Array(schemas.record), pagination: Pagination }),
          },
        },
        ...readGuard,
      },
      async (request) =>
        service.list(tenantContext(request), request.query as Record<string, unknown>),
    );
    app.get(
      `${path}/:id`,
      {
        schema: { tags: [tag], params: IdParams, response: { 200: schemas.record } },
        ...readGuard,
      },
      async (request, reply) => {
        const record = await service.get(tenantContext(request), request.params.id);
        return reply.header('etag', etag(record.version as number)).send(record);
      },
    );
    app.post(
      path,
      {
        schema: { tags: [tag], body: schemas.create, response: { 201: schemas.record } },
        preValidation: permit(permissions.create),
      },
      async (request, reply) => {
        const record = await service.create(tenantContext(request), request.body as Static<C>);
        return reply
          .status(201)
          .header('etag', etag(record.version as number))
          .send(record);
      },
    );
    app.patch(
      `${path}/:id`,
      {
        schema: {
          tags: [tag],
          params: IdParams,
          headers: IfMatchHeader,
          body: schemas.update,
          response: { 200: schemas.record },
        },
        preValidation: permit(permissions.update),
      },
      async (request, reply) => {
        const ctx = tenantContext(request);
        const body = request.body as Static<U> & { version?: number };
        const expected = expectedVersion(request.headers['if-match'], body.version, ctx.tenant);
        const record = await service.update(ctx, request.params.id, body, expected);
        return reply.header('etag', etag(record.version as number)).send(record);
      },
    );
    app.delete(
      `${path}/:id`,
      {
        schema: { tags: [tag], params: IdParams, headers: IfMatchHeader },
        preValidation: permit(permissions.delete),
      },
      async (request, reply) => {
        const ctx = tenantContext(request);
        const expected = expectedVersion(request.headers['if-match'], undefined, ctx.tenant);
        await service.remove(ctx, request.params.id, expected);
        return reply.status(204).send();
      },
    );
  };
}
