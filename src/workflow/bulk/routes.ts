import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { tenantContext } from '../../platform/http/auth.js';
import type { WorkflowDefinition } from '../definition.js';
import type { BulkEndpoint } from './endpoints.js';
import { bulkCounters } from './metrics.js';
import { runBulkOperation } from './run-bulk-operation.js';
import { BulkBody, BulkHeaders, BulkReportSchema, type BulkBodyValue } from './schemas.js';

/** The rate-limit policy every bulk route is counted under (SPEC §8: 10 a minute per person). */
export const BULK_RATE_LIMIT_POLICY = 'bulk';

/**
 * `POST /<path>/bulk/<name>` for each endpoint. No route guard: which permission each record
 * needs depends on its state, so the engine checks it per record.
 */
export function bulkRoutes<Facts>(
  workflow: WorkflowDefinition<Facts>,
  options: { tag: string; endpoints: readonly BulkEndpoint[] },
): FastifyPluginAsyncTypebox {
  return async (app) => {
    const counters = bulkCounters(app.metrics);
    for (const endpoint of options.endpoints) {
      const url = `/${workflow.path}/bulk/${endpoint.name}`;
      app.post(
        url,
        {
          schema: {
            tags: [options.tag],
            headers: BulkHeaders,
            body: BulkBody(endpoint.fields),
            response: { 200: BulkReportSchema },
          },
          config: { rateLimit: BULK_RATE_LIMIT_POLICY },
          ...(endpoint.beforeValidation
            ? { preValidation: async (request) => endpoint.beforeValidation!(request.body) }
            : {}),
        },
        async (request, reply) => {
          const ctx = tenantContext(request);
          const body = request.body as BulkBodyValue;
          const key = request.headers['idempotency-key'];
          const result = await runBulkOperation(
            ctx,
            {
              type: `${workflow.entity}.${endpoint.name}`,
              workflow,
              change: endpoint.change(body),
            },
            {
              ids: body.ids,
              comments: body.comments,
              metadata: body.metadata,
              dryRun: body.dry_run ?? false,
              rollbackOnError: body.rollback_on_error ?? true,
              versions: body.versions,
            },
            typeof key === 'string' ? key : null,
          );
          if (result.replayed) reply.header('idempotent-replayed', 'true');
          else counters.answered(result.report);
          // The serialised report itself, so that a replay sends the very same bytes.
          return reply.type('application/json; charset=utf-8').send(result.body);
        },
      );
    }
  };
}
