import type { RequestContext } from '../../platform/context.js';
import { withTenantTx, type Tx } from '../../platform/db/transactions.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { ExpectedVersion } from '../../platform/optimistic-lock.js';
import { deleteRecord, updateRecord } from '../../platform/records/write-records.js';
import {
  bumpWorkOrderVersion,
  findLineItem,
  insertLineItems,
  LINE_ITEMS,
  listLineItems,
  nextSeq,
  requireWorkOrder,
} from './repository.js';
import type { CreateLineItemInput, LineItemRecord, UpdateLineItemInput } from './schemas.js';

/**
 * The line items of a work order (SPEC §4): versioned records of their own, reached only through
 * a live work order of the tenant. Every write locks that work order and audits with its id.
 */
export const lineItems = {
  list: (ctx: RequestContext, workOrderId: string): Promise<LineItemRecord[]> =>
    withTenantTx(ctx, async (tx) => {
      await requireWorkOrder(tx, ctx.tenantId, workOrderId);
      return listLineItems(tx, ctx.tenantId, workOrderId);
    }),

  get: (ctx: RequestContext, workOrderId: string, id: string): Promise<LineItemRecord> =>
    withTenantTx(ctx, async (tx) => {
      await requireWorkOrder(tx, ctx.tenantId, workOrderId);
      const item = await findLineItem(tx, ctx.tenantId, workOrderId, id);
      if (!item) throw notFound(LINE_ITEMS.entityName);
      return item;
    }),

  /** Without `seq`, the item goes last; a `seq` a live item holds is a 409 CONFLICT. */
  create: (
    ctx: RequestContext,
    workOrderId: string,
    input: CreateLineItemInput,
  ): Promise<LineItemRecord> =>
    withTenantTx(ctx, async (tx) => {
      await requireWorkOrder(tx, ctx.tenantId, workOrderId, 'lock');
      const seq = input.seq ?? (await nextSeq(tx, ctx.tenantId, workOrderId));
      const workOrderVersion = await bumpWorkOrderVersion(tx, ctx, workOrderId);
      const [id] = await insertLineItems(tx, ctx, workOrderId, [{ ...input, seq }], {
        work_order_version: workOrderVersion,
      });
      return (await findLineItem(tx, ctx.tenantId, workOrderId, id!))!;
    }),

  async update(
    ctx: RequestContext,
    workOrderId: string,
    id: string,
    input: UpdateLineItemInput,
    expected: ExpectedVersion | null,
  ): Promise<LineItemRecord> {
    const { version: _version, ...set } = input;
    if (Object.keys(set).length === 0) {
      throw new AppError('VALIDATION_ERROR', { message: 'Nothing to update' });
    }
    return withTenantTx(ctx, async (tx) => {
      await requireLineItem(tx, ctx.tenantId, workOrderId, id);
      const workOrderVersion = await bumpWorkOrderVersion(tx, ctx, workOrderId);
      const { record } = await updateRecord(tx, ctx, LINE_ITEMS, id, expected, set, {
        work_order_id: workOrderId,
        work_order_version: workOrderVersion,
      });
      return record as LineItemRecord;
    });
  },

  remove: (
    ctx: RequestContext,
    workOrderId: string,
    id: string,
    expected: ExpectedVersion | null,
  ): Promise<void> =>
    withTenantTx(ctx, async (tx) => {
      await requireLineItem(tx, ctx.tenantId, workOrderId, id);
      const workOrderVersion = await bumpWorkOrderVersion(tx, ctx, workOrderId);
      await deleteRecord(tx, ctx, LINE_ITEMS, id, expected, {
        work_order_id: workOrderId,
        work_order_version: workOrderVersion,
      });
    }),
};

/** Locks the live work order and checks the item is one of its live items (else 404). */
async function requireLineItem(
  tx: Tx,
  tenantId: string,
  workOrderId: string,
  id: string,
): Promise<void> {
  await requireWorkOrder(tx, tenantId, workOrderId, 'lock');
  if (!(await findLineItem(tx, tenantId, workOrderId, id))) {
    throw notFound(LINE_ITEMS.entityName);
  }
}
