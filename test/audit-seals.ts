import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../src/platform/db/tables.js';
import { withPlatformTxBypassingRls, type Tx } from '../src/platform/db/transactions.js';

/** Helpers for the sealing and verification tests (ADR 0010). */

/** A tenant row, without the API: sealing needs only the tenant and its entries. */
export async function insertTenant(db: Kysely<DB>): Promise<string> {
  const id = randomUUID();
  await withPlatformTxBypassingRls(db, (tx) =>
    tx
      .insertInto('tenants')
      .values({ id, name: 'Sealed', slug: `s-${id.slice(0, 12)}`, rate_limits: '{}' })
      .execute(),
  );
  return id;
}

export interface EntryOptions {
  /** created_at of every entry (one value: as one bulk request writes them); the default is now(). */
  createdAt?: Date;
  retentionUntil?: Date;
  /** Every third entry gets a state transition (so detail objects are hashed too). */
  withDetails?: boolean;
}

/**
 * `count` entries written directly, the way `recordAudit` writes them but with a chosen
 * created_at: a past one stands for entries written before the sealer ran.
 */
export async function insertEntries(
  db: Kysely<DB>,
  tenantId: string,
  count: number,
  options: EntryOptions = {},
): Promise<string[]> {
  const createdAt = options.createdAt ?? null;
  const retentionUntil = options.retentionUntil ?? new Date(Date.now() + 90 * 86_400_000);
  return withPlatformTxBypassingRls(db, async (tx) => {
    const { rows } = await sql<{ id: string }>`
      insert into audit_entries (tenant_id, correlation_id, event_type, entity_type, entity_id,
        changes, metadata, created_at, retention_until, state_transition)
      select ${tenantId}::uuid, gen_random_uuid(), 'UPDATED', 'work_order', gen_random_uuid(),
        jsonb_build_object('title', jsonb_build_object('old', 'a' || i, 'new', 'b' || i)),
        jsonb_build_object('n', i), coalesce(${createdAt}::timestamptz, now()),
        ${retentionUntil}::timestamptz,
        case when ${options.withDetails ?? false} and i % 3 = 1 then jsonb_build_object(
          'from_state', 'DRAFT', 'to_state', 'SUBMITTED', 'transition_reason', 'ready',
          'transition_duration_seconds', 1.25) end
      from generate_series(1, ${count}::int) i
      order by i
      returning id`.execute(tx);
    return rows.map((row) => row.id);
  });
}

/** An hour ago: entries long below any horizon. */
export const anHourAgo = () => new Date(Date.now() - 3_600_000);

/**
 * Runs `work` as someone with the owner's rights who switches the append-only triggers (and
 * foreign keys) off for the transaction: the intruder tamper evidence is for.
 */
export function asIntruder<T>(db: Kysely<DB>, work: (tx: Tx) => Promise<T>): Promise<T> {
  return withPlatformTxBypassingRls(db, async (tx) => {
    await sql`set local session_replication_role = replica`.execute(tx);
    return work(tx);
  });
}

/** A tenant's seals, in order. */
export function sealsOf(db: Kysely<DB>, tenantId: string) {
  return withPlatformTxBypassingRls(db, (tx) =>
    tx
      .selectFrom('audit_seals')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('seq')
      .execute(),
  );
}

/** How many of a tenant's entries each seal lists, and how many entries no seal lists. */
export async function sealedCounts(db: Kysely<DB>, tenantId: string) {
  return withPlatformTxBypassingRls(db, async (tx) => {
    const { rows } = await sql<{ sealed: number; unsealed: number; twice: number }>`
      select count(*) filter (where s.entry_id is not null)::int as sealed,
        count(*) filter (where s.entry_id is null)::int as unsealed,
        (select count(*)::int from (select entry_id from audit_seal_entries
          where tenant_id = ${tenantId} group by entry_id having count(*) > 1) d) as twice
      from audit_entries e
      left join audit_seal_entries s on s.tenant_id = e.tenant_id and s.entry_id = e.id
      where e.tenant_id = ${tenantId}`.execute(tx);
    return rows[0]!;
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
