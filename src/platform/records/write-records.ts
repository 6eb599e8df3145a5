import { sql } from 'kysely';
import {
  changedFields,
  creationChanges,
  recordAudit,
  type FieldChanges,
} from '../audit/record-audit.js';
import type { RequestContext } from '../context.js';
import type { Tx } from '../db/transactions.js';
import { updateVersioned, type VersionedTable } from '../db/versioned-update.js';
import type { ExpectedVersion } from '../optimistic-lock.js';
import { findRecord, recordColumns } from './read-records.js';
import type { RecordRow, RecordTable } from './record-table.js';
import { assertNotReferenced, lockForDeletion } from './references.js';

/** Column values as the driver should send them: jsonb columns as JSON text. */
export function toColumns(table: RecordTable, values: RecordRow): [string, unknown][] {
  return Object.entries(values)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => [
      name,
      table.jsonColumns?.includes(name) && value !== null ? JSON.stringify(value) : value,
    ]);
}

/** Inserts a record and its CREATED entry; returns the record as reads return it. */
export async function insertRecord(
  tx: Tx,
  ctx: RequestContext,
  table: RecordTable,
  values: RecordRow,
): Promise<RecordRow> {
  const id = await insertRecordRow(tx, ctx, table, values);
  return (await findRecord(tx, table, ctx.tenantId, id))!;
}

/** Inserts a record and its CREATED entry; returns its id, for a caller that adds more first. */
export async function insertRecordRow(
  tx: Tx,
  ctx: RequestContext,
  table: RecordTable,
  values: RecordRow,
): Promise<string> {
  const columns = toColumns(table, {
    ...values,
    tenant_id: ctx.tenantId,
    created_by: ctx.actorId,
    updated_by: ctx.actorId,
  });
  const { rows } = await sql<{ id: string }>`
    insert into ${sql.table(table.table)} (${sql.join(columns.map(([name]) => sql.ref(name)))})
    values (${sql.join(columns.map(([, value]) => value))})
    returning id`.execute(tx);
  const id = rows[0]!.id;
  await recordAudit(tx, ctx, {
    eventType: 'CREATED',
    entityType: table.entityType,
    entityId: id,
    changes: creationChanges(values),
  });
  return id;
}

/**
 * Applies `set` to a record at the expected version in one conditional statement, and writes an
 * UPDATED entry with the fields that changed. Returns the record as reads return it.
 */
export async function updateRecord(
  tx: Tx,
  ctx: RequestContext,
  table: RecordTable,
  id: string,
  expected: ExpectedVersion | null,
  set: RecordRow,
  metadata: Record<string, unknown> = {},
): Promise<{ record: RecordRow; changes: FieldChanges }> {
  const { before, after, record } = await updateVersioned(tx, {
    table: table.table as VersionedTable,
    tenantId: ctx.tenantId,
    id,
    expected,
    set: Object.fromEntries(toColumns(table, set)),
    actorId: ctx.actorId,
    entityName: table.entityName,
    softDeleted: true,
    frozen: table.frozen,
    returning: recordColumns(table),
  });
  const changes = changedFields(before, after, Object.keys(set));
  await recordAudit(tx, ctx, {
    eventType: 'UPDATED',
    entityType: table.entityType,
    entityId: id,
    changes,
    metadata: { ...metadata, version: after.version },
  });
  return { record, changes };
}

/** Soft delete at the expected version, refused while live records refer to it; audited. */
export async function deleteRecord(
  tx: Tx,
  ctx: RequestContext,
  table: RecordTable,
  id: string,
  expected: ExpectedVersion | null,
  metadata: Record<string, unknown> = {},
): Promise<void> {
  if (table.referencedBy) await lockForDeletion(tx, table.table, ctx.tenantId, id);
  const { after } = await updateVersioned(tx, {
    table: table.table as VersionedTable,
    tenantId: ctx.tenantId,
    id,
    expected,
    set: { deleted_at: new Date() } as RecordRow,
    actorId: ctx.actorId,
    entityName: table.entityName,
    softDeleted: true,
    frozen: table.frozen,
  });
  await assertNotReferenced(tx, ctx.tenantId, id, table.entityName, table.referencedBy ?? []);
  await recordAudit(tx, ctx, {
    eventType: 'DELETED',
    entityType: table.entityType,
    entityId: id,
    metadata: { ...metadata, version: after.version },
  });
}
