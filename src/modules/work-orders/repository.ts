import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { creationChanges, recordAudit } from '../../platform/audit/record-audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/transactions.js';
import { notFound } from '../../platform/errors.js';
import { findRecord, recordColumns } from '../../platform/records/read-records.js';
import type { RecordTable } from '../../platform/records/record-table.js';
import type { LineItemRecord, WorkOrderRecord } from './schemas.js';

export const LINE_ITEMS: RecordTable = {
  table: 'work_order_line_items',
  entityType: 'work_order_line_item',
  entityName: 'Line item',
  columns: ['work_order_id', 'seq', 'description', 'mandatory', 'answer', 'done'],
};

export const WORK_ORDERS: RecordTable = {
  table: 'work_orders',
  entityType: 'work_order',
  entityName: 'Work order',
  assignee: { field: 'assigned_to', permission: 'work_orders.assign', table: 'people' },
  columns: [
    'number',
    'title',
    'description',
    'site_id',
    'asset_id',
    'vendor_id',
    'assigned_to',
    'priority',
    'status',
    'planned_at',
    'due_at',
    'status_changed_at',
  ],
  collections: {
    line_items: sql`coalesce((
      select jsonb_agg(jsonb_build_object(
          'id', li.id, 'seq', li.seq, 'description', li.description, 'mandatory', li.mandatory,
          'answer', li.answer, 'done', li.done, 'version', li.version) order by li.seq)
      from work_order_line_items li
      where li.tenant_id = r.tenant_id and li.work_order_id = r.id and li.deleted_at is null
    ), '[]'::jsonb)`,
  },
};

/** A live work order of the tenant with its live line items, or undefined. */
export async function findWorkOrder(
  tx: Tx,
  tenantId: string,
  id: string,
): Promise<WorkOrderRecord | undefined> {
  return (await findRecord(tx, WORK_ORDERS, tenantId, id)) as WorkOrderRecord | undefined;
}

/**
 * 404 unless the work order is a live record of the tenant. With `lock`, its row stays locked
 * until the transaction ends: line-item writes of one work order run one after another (so
 * "next seq" is safe) and never interleave with a write to the work order itself.
 */
export async function requireWorkOrder(
  tx: Tx,
  tenantId: string,
  id: string,
  lock: 'lock' | 'read' = 'read',
): Promise<void> {
  const { rows } = await sql`
    select 1 from work_orders
    where tenant_id = ${tenantId} and id = ${id} and deleted_at is null
    ${lock === 'lock' ? sql`for no key update` : sql``}`.execute(tx);
  if (rows.length === 0) throw notFound(WORK_ORDERS.entityName);
}

/**
 * A line-item write changes the work order as read (its `line_items`), so it takes a new version
 * too: its ETag stays honest, and a transition decided on the old items fails its version guard.
 * The item's own audit entry records that version (`work_order_version`).
 */
export async function bumpWorkOrderVersion(
  tx: Tx,
  ctx: RequestContext,
  workOrderId: string,
): Promise<number> {
  const { rows } = await sql<{ version: number }>`
    update work_orders set version = version + 1, updated_at = now(), updated_by = ${ctx.actorId}
    where tenant_id = ${ctx.tenantId} and id = ${workOrderId}
    returning version`.execute(tx);
  return rows[0]!.version;
}

/** A live line item of that work order, or undefined (an item never moves to another one). */
export async function findLineItem(
  tx: Tx,
  tenantId: string,
  workOrderId: string,
  id: string,
): Promise<LineItemRecord | undefined> {
  const item = await findRecord(tx, LINE_ITEMS, tenantId, id);
  return item?.work_order_id === workOrderId ? (item as LineItemRecord) : undefined;
}

export async function listLineItems(
  tx: Tx,
  tenantId: string,
  workOrderId: string,
): Promise<LineItemRecord[]> {
  const { rows } = await sql<LineItemRecord>`
    select ${recordColumns(LINE_ITEMS)} from work_order_line_items r
    where r.tenant_id = ${tenantId} and r.work_order_id = ${workOrderId} and r.deleted_at is null
    order by r.seq`.execute(tx);
  return rows;
}

export async function nextSeq(tx: Tx, tenantId: string, workOrderId: string): Promise<number> {
  const { rows } = await sql<{ seq: number }>`
    select coalesce(max(seq), 0) + 1 as seq from work_order_line_items
    where tenant_id = ${tenantId} and work_order_id = ${workOrderId} and deleted_at is null`.execute(
    tx,
  );
  return rows[0]!.seq;
}

export interface LineItemValues {
  seq: number;
  description: string;
  mandatory?: boolean | undefined;
  answer?: string | null | undefined;
  done?: boolean | undefined;
}

/** Inserts line items in one statement, with one CREATED entry each; returns their ids in order. */
export async function insertLineItems(
  tx: Tx,
  ctx: RequestContext,
  workOrderId: string,
  items: readonly LineItemValues[],
  metadata: Record<string, unknown> = {},
): Promise<string[]> {
  if (items.length === 0) return [];
  const rows = items.map((item) => ({
    id: randomUUID(),
    seq: item.seq,
    description: item.description,
    mandatory: item.mandatory ?? false,
    answer: item.answer ?? null,
    done: item.done ?? false,
  }));
  await tx
    .insertInto('work_order_line_items')
    .values(
      rows.map((row) => ({
        ...row,
        tenant_id: ctx.tenantId,
        work_order_id: workOrderId,
        created_by: ctx.actorId,
        updated_by: ctx.actorId,
      })),
    )
    .execute();
  await recordAudit(
    tx,
    ctx,
    ...rows.map(({ id, ...values }) => ({
      eventType: 'CREATED' as const,
      entityType: LINE_ITEMS.entityType,
      entityId: id,
      changes: creationChanges(values),
      metadata: { ...metadata, work_order_id: workOrderId },
    })),
  );
  return rows.map((row) => row.id);
}
