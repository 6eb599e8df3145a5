import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../../platform/db/tables.js';
import { withPlatformTxBypassingRls, type Tx } from '../../platform/db/transactions.js';

export interface PurgeOptions {
  /** Rows per transaction (default 5,000): each batch commits before the next begins. */
  batchSize?: number;
}

export interface PurgeResult {
  /** Audit entries deleted. */
  deleted: number;
  /** Transactions that deleted audit entries, the last (short) one included. */
  batches: number;
  /** Tenants on legal hold, whose entries the purge left alone. */
  tenantsOnHold: number;
  idempotencyKeysDeleted: number;
  searchEventsDeleted: number;
}

const DEFAULT_BATCH_SIZE = 5_000;

/**
 * The retention purge (SPEC §7), across tenants: audit entries past `retention_until` of tenants
 * without a legal hold, expired idempotency keys, and search events older than their tenant's
 * retention. Each batch is a short transaction of its own, so no lock is held for long and
 * writers are never blocked for the length of the whole purge.
 */
export async function purgeExpiredAuditEntries(
  db: Kysely<DB>,
  options: PurgeOptions = {},
): Promise<PurgeResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error('batchSize must be a positive whole number');
  }
  const audit = await inBatches(db, batchSize, deleteExpiredEntries, { auditPurge: true });
  const idempotencyKeys = await inBatches(db, batchSize, deleteExpiredIdempotencyKeys);
  const searchEvents = await inBatches(db, batchSize, deleteOldSearchEvents);
  const onHold = await withPlatformTxBypassingRls(db, (tx) =>
    tx
      .selectFrom('tenants')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('legal_hold', '=', true)
      .executeTakeFirstOrThrow(),
  );
  return {
    deleted: audit.deleted,
    batches: audit.batches,
    tenantsOnHold: onHold.n,
    idempotencyKeysDeleted: idempotencyKeys.deleted,
    searchEventsDeleted: searchEvents.deleted,
  };
}

/** One batch's DELETE, returning how many rows it removed. */
type BatchDelete = (limit: number) => RawBuilder<unknown>;

/** Runs `statement` in transactions of its own until one deletes fewer than `batchSize` rows. */
async function inBatches(
  db: Kysely<DB>,
  batchSize: number,
  statement: BatchDelete,
  { auditPurge = false } = {},
): Promise<{ deleted: number; batches: number }> {
  let deleted = 0;
  let batches = 0;
  for (;;) {
    const count = await withPlatformTxBypassingRls(db, async (tx: Tx) => {
      // The append-only trigger lets a DELETE through only in a transaction that says so.
      if (auditPurge) await sql`select set_config('app.audit_purge', 'on', true)`.execute(tx);
      const result = await statement(batchSize).execute(tx);
      return Number(result.numAffectedRows ?? 0);
    });
    deleted += count;
    batches += 1;
    if (count < batchSize) return { deleted, batches };
  }
}

/**
 * Expired entries of tenants without a legal hold. The tenant row is share-locked, so a hold
 * being set waits for the batch, and a batch that starts after it sees the hold.
 * Entries locked by a concurrent purge are skipped, not waited for. The batch's rows are found
 * by their physical address: they stay locked until the DELETE, and an entry is never updated,
 * so each address still holds its row, and the DELETE reads only those pages (matched by key,
 * PostgreSQL hashed the whole table for every batch).
 */
const deleteExpiredEntries: BatchDelete = (limit) => sql`
  delete from audit_entries
  where ctid = any(array(
    select e.ctid
    from audit_entries e
    join tenants t on t.id = e.tenant_id
    where e.retention_until < now() and not t.legal_hold
    limit ${limit}
    for update of e skip locked
    for share of t
  ))`;

/** Idempotency keys past `expires_at` (SPEC §8: kept 24 h). */
const deleteExpiredIdempotencyKeys: BatchDelete = (limit) => sql`
  delete from idempotency_keys
  where (tenant_id, actor_id, key) in (
    select tenant_id, actor_id, key from idempotency_keys
    where expires_at < now()
    limit ${limit}
    for update skip locked
  )`;

/** Search analytics events older than their tenant's retention. */
const deleteOldSearchEvents: BatchDelete = (limit) => sql`
  delete from search_events
  where (tenant_id, id) in (
    select s.tenant_id, s.id
    from search_events s
    join tenants t on t.id = s.tenant_id
    where s.created_at < now() - make_interval(days => t.retention_days)
    limit ${limit}
    for update of s skip locked
  )`;
