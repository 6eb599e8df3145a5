import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { permit, tenantContext } from '../../platform/http/auth.js';
import { recordRoutes } from '../../platform/http/record-routes.js';
import { etag, expectedVersion } from '../../platform/optimistic-lock.js';
import { IdParams, IfMatchHeader } from '../../platform/schemas.js';
import {
  bulkAssign,
  bulkMove,
  bulkRoutes,
  bulkTransition,
  bulkUpdate,
  transitionRoutes,
} from '../../workflow/index.js';
import { lineItems } from './line-items.js';
import { WORK_ORDER_WORKFLOW } from './machine.js';
import {
  CreateLineItemBody,
  CreateWorkOrderBody,
  LineItemParams,
  LineItemSchema,
  ListWorkOrdersQuery,
  UpdateLineItemBody,
  UpdateWorkOrderBody,
  type UpdateWorkOrderInput,
  WorkOrderSchema,
} from './schemas.js';
import { WORK_ORDERS } from './repository.js';
import { validateSchedule, workOrderReferences } from './work-order-rules.js';
import { workOrders } from './work-order-records.js';

const LINE_ITEMS_PATH = '/work-orders/:id/line-items';
const tags = ['work-orders'];

const workOrderRecordRoutes = recordRoutes({
  path: '/work-orders',
  tag: 'work-orders',
  schemas: {
    record: WorkOrderSchema,
    create: CreateWorkOrderBody,
    update: UpdateWorkOrderBody,
    listQuery: ListWorkOrdersQuery,
  },
  permissions: {
    view: 'work_orders.view',
    create: 'work_orders.create',
    update: 'work_orders.update',
    delete: 'work_orders.delete',
  },
  service: workOrders,
});

export const workOrderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(workOrderRecordRoutes);
  await app.register(
    transitionRoutes(WORK_ORDER_WORKFLOW, {
      tag: 'work-orders',
      record: WorkOrderSchema,
      viewPermission: 'work_orders.view',
    }),
  );
  await app.register(
    bulkRoutes(WORK_ORDER_WORKFLOW, {
      tag: 'work-orders',
      endpoints: [
        bulkTransition(WORK_ORDER_WORKFLOW.states),
        bulkMove('approve', 'APPROVED'),
        bulkMove('reject', 'DRAFT'),
        bulkAssign(WORK_ORDERS, 'work_orders.update'),
        bulkUpdate<UpdateWorkOrderInput>({
          patch: UpdateWorkOrderBody,
          table: WORK_ORDERS,
          permission: 'work_orders.update',
          validate: validateSchedule,
          references: workOrderReferences,
        }),
      ],
    }),
  );

  app.get(
    LINE_ITEMS_PATH,
    {
      schema: {
        tags,
        params: IdParams,
        response: { 200: Type.Object({ data: Type.Array(LineItemSchema) }) },
      },
      preValidation: permit('work_orders.view'),
    },
    async (request) => ({
      data: await lineItems.list(tenantContext(request), request.params.id),
    }),
  );

  app.get(
    `${LINE_ITEMS_PATH}/:itemId`,
    {
      schema: { tags, params: LineItemParams, response: { 200: LineItemSchema } },
      preValidation: permit('work_orders.view'),
    },
    async (request, reply) => {
      const { id, itemId } = request.params;
      const item = await lineItems.get(tenantContext(request), id, itemId);
      return reply.header('etag', etag(item.version)).send(item);
    },
  );

  app.post(
    LINE_ITEMS_PATH,
    {
      schema: {
        tags,
        params: IdParams,
        body: CreateLineItemBody,
        response: { 201: LineItemSchema },
      },
      preValidation: permit('work_orders.update'),
    },
    async (request, reply) => {
      const item = await lineItems.create(tenantContext(request), request.params.id, request.body);
      return reply.status(201).header('etag', etag(item.version)).send(item);
    },
  );

  app.patch(
    `${LINE_ITEMS_PATH}/:itemId`,
    {
      schema: {
        tags,
        params: LineItemParams,
        headers: IfMatchHeader,
        body: UpdateLineItemBody,
        response: { 200: LineItemSchema },
      },
      preValidation: permit('work_orders.update'),
    },
    async (request, reply) => {
      const ctx = tenantContext(request);
      const { id, itemId } = request.params;
      const expected = expectedVersion(
        request.headers['if-match'],
        request.body.version,
        ctx.tenant,
      );
      const item = await lineItems.update(ctx, id, itemId, request.body, expected);
      return reply.header('etag', etag(item.version)).send(item);
    },
  );

  app.delete(
    `${LINE_ITEMS_PATH}/:itemId`,
    {
      schema: { tags, params: LineItemParams, headers: IfMatchHeader },
      preValidation: permit('work_orders.update'),
    },
    async (request, reply) => {
      const ctx = tenantContext(request);
      const { id, itemId } = request.params;
      const expected = expectedVersion(request.headers['if-match'], undefined, ctx.tenant);
      await lineItems.remove(ctx, id, itemId, expected);
      return reply.status(204).send();
    },
  );
};
