import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TObject } from 'typebox';
import { permit, tenantContext } from '../platform/http/auth.js';
import { notFound } from '../platform/errors.js';
import { etag, expectedVersion } from '../platform/optimistic-lock.js';
import { IdParams, IfMatchHeader } from '../platform/schemas.js';
import type { WorkflowDefinition } from './definition.js';
import { transitionCounters } from './metrics.js';
import { describeWorkflow, findWorkflow, workflowDiagram } from './describe.js';
import {
  TransitionBody,
  TransitionOptionsResponse,
  TransitionResponse,
  WorkflowDescription,
  WorkflowParams,
} from './schemas.js';
import { listTransitionOptions, transitionRecord } from './transition-record.js';

export interface TransitionRoutesOptions {
  tag: string;
  /** The record's response schema. */
  record: TObject;
  /** Needed to see what may be done with a record. */
  viewPermission: string;
}

/**
 * `POST` and `GET /<path>/{id}/transitions`. The POST has no route guard: which permission it
 * needs depends on the record's state, so the engine checks it.
 */
export function transitionRoutes<Facts>(
  workflow: WorkflowDefinition<Facts>,
  options: TransitionRoutesOptions,
): FastifyPluginAsyncTypebox {
  const url = `/${workflow.path}/:id/transitions`;
  return async (app) => {
    const counters = transitionCounters(app.metrics);
    app.post(
      url,
      {
        schema: {
          tags: [options.tag],
          params: IdParams,
          headers: IfMatchHeader,
          body: TransitionBody(workflow.states),
          response: { 200: TransitionResponse(options.record) },
        },
      },
      async (request, reply) => {
        const ctx = tenantContext(request);
        const body = request.body;
        const transition = async () =>
          transitionRecord(
            ctx,
            workflow,
            request.params.id,
            { targetState: body.target_state, comments: body.comments, metadata: body.metadata },
            expectedVersion(request.headers['if-match'], body.version, ctx.tenant),
          );
        const result = await transition().catch((error: unknown) => {
          counters.refused(workflow.entity, error);
          throw error;
        });
        counters.applied(workflow.entity, result.transition);
        return reply
          .header('etag', etag(result.record.version as number))
          .send({ ...result.record, transition: result.transition, warnings: result.warnings });
      },
    );
    app.get(
      url,
      {
        schema: {
          tags: [options.tag],
          params: IdParams,
          response: { 200: TransitionOptionsResponse },
        },
        preValidation: permit(options.viewPermission),
      },
      async (request) => listTransitionOptions(tenantContext(request), workflow, request.params.id),
    );
  };
}

/** `GET /workflows/{entity}` and its Mermaid diagram: the definitions, as the engine runs them. */
export function workflowCatalogRoutes(
  workflows: readonly WorkflowDefinition<unknown>[],
): FastifyPluginAsyncTypebox {
  const lookup = (entity: string) => {
    const workflow = findWorkflow(workflows, entity);
    if (!workflow) throw notFound('Workflow');
    return workflow;
  };
  return async (app) => {
    app.get(
      '/workflows/:entity',
      {
        schema: {
          tags: ['workflows'],
          params: WorkflowParams,
          response: { 200: WorkflowDescription },
        },
      },
      async (request) => describeWorkflow(lookup(request.params.entity)),
    );
    app.get(
      '/workflows/:entity/diagram',
      {
        schema: {
          tags: ['workflows'],
          params: WorkflowParams,
          produces: ['text/vnd.mermaid'],
        },
      },
      async (request, reply) =>
        reply
          .type('text/vnd.mermaid; charset=utf-8')
          .send(workflowDiagram(lookup(request.params.entity))),
    );
  };
}
