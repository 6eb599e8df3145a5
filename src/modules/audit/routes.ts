import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { permit, tenantContext } from '../../platform/http/auth.js';
import { IdParams } from '../../platform/schemas.js';
import { EXPORT_RETRY_SECONDS, exportAuditEntries, exportSlots } from './export-audit-entries.js';
import { HISTORY_PATHS } from './history-paths.js';
import { listAuditEntries } from './list-audit-entries.js';
import { listRecordHistory } from './list-record-history.js';
import { AuditExportQuery, AuditListQuery, AuditPage, HistoryQuery } from './schemas.js';

export interface AuditRouteOptions {
  /** Exports streaming at once in this process (the rest answer 429). */
  exportConcurrency: number;
}

/** SPEC §7 "Read": the audit trail's list, its export, and each record's history. */
export const auditRoutes: FastifyPluginAsyncTypebox<AuditRouteOptions> = async (app, options) => {
  const view = { preValidation: permit('audit.view') };
  const slots = exportSlots(options.exportConcurrency);

  app.get(
    '/audit-logs',
    {
      schema: { tags: ['audit'], querystring: AuditListQuery, response: { 200: AuditPage } },
      ...view,
    },
    async (request) => listAuditEntries(tenantContext(request), request.query),
  );

  app.get(
    '/audit-logs/export',
    {
      schema: {
        tags: ['audit'],
        description: 'Every matching entry, oldest first, streamed as NDJSON or CSV',
        querystring: AuditExportQuery,
      },
      preValidation: permit('audit.export'),
      // Fastify's HEAD twin would read the whole trail into nothing, deaf to a disconnect.
      exposeHeadRoute: false,
    },
    async (request, reply) => {
      // A full house is a 429 whose Retry-After the error handler keeps.
      const free = slots.take(() => reply.header('retry-after', String(EXPORT_RETRY_SECONDS)));
      const { contentType, filename, body } = await exportAuditEntries(
        tenantContext(request),
        request.query,
        request.log,
      ).catch((error: unknown) => {
        free();
        throw error;
      });
      body.once('close', free);
      return reply
        .header('content-type', contentType)
        .header('content-disposition', `attachment; filename="${filename}"`)
        .send(body);
    },
  );

  for (const target of HISTORY_PATHS) {
    app.get(
      `/${target.path}/:id/history`,
      {
        schema: {
          tags: ['audit'],
          description: `The ${target.entityType}'s audit entries, newest first`,
          params: IdParams,
          querystring: HistoryQuery,
          response: { 200: AuditPage },
        },
        ...view,
      },
      async (request) =>
        listRecordHistory(tenantContext(request), target, request.params.id, request.query),
    );
  }
};
