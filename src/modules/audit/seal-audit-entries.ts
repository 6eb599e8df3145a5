import { sql, type Kysely } from 'kysely';
import type { DB } from '../../platform/db/tables.js';
import { withPlatformTxBypassingRls, type Tx } from '../../platform/db/transactions.js';
import {
  batchHash,
  CANONICAL_FLOATS,
  chainHash,
  entryHash,
  GENESIS_HASH,
  utcText,
} from './seal-hashes.js';

export interface SealOptions {
  /** At most this many entries in one seal, unless one created_at alone has more (10,000). */
  maxEntriesPerSeal?: number;
  /** Seal only this tenant (the others are left for another run). */
  tenantId?: string;
}

export interface SealRun {
  /** Tenants that received at least one seal. */
  tenants: number;
  seals: number;
  entries: number;
  /** Tenants skipped because another sealer was sealing them. */
  busyTenants: number;
}

const MAX_ENTRIES_PER_SEAL = 10_000;

/** First key of the per-tenant advisory lock (the second is the tenant's hash): "seal". */
const SEAL_LOCK_CLASS = 0x5ea1;

/**
 * Seals every tenant's audit entries that are older than the horizon into hash-chained batches
 * (ADR 0011). Runs as the owner: the seal tables take no writes from the app role. Writers never
 * wait for it and it never waits for them; concurrent sealers skip a tenant another one holds.
 */
export async function sealAuditEntries(
  db: Kysely<DB>,
  options: SealOptions = {},
): Promise<SealRun> {
  const cap = options.maxEntriesPerSeal ?? MAX_ENTRIES_PER_SEAL;
  if (!Number.isInteger(cap) || cap < 1) throw new Error('maxEntriesPerSeal must be at least 1');
  const run: SealRun = { tenants: 0, seals: 0, entries: 0, busyTenants: 0 };
  for (const tenantId of await tenantsWithNewEntries(db, options.tenantId)) {
    let sealedAny = false;
    for (;;) {
      const seal = await withPlatformTxBypassingRls(db, (tx) => sealNext(tx, tenantId, cap));
      if (seal === 'busy') {
        run.busyTenants += 1;
        break;
      }
      if (!seal) break;
      sealedAny = true;
      run.seals += 1;
      run.entries += seal.entryCount;
      // Up to the horizon: what was written since is for the next run, so a busy tenant
      // does not keep the loop chasing its writers.
      if (seal.reachedHorizon) break;
    }
    if (sealedAny) run.tenants += 1;
  }
  return run;
}

/** Tenants with entries past their last seal, a second old at least (a cheap first look). */
async function tenantsWithNewEntries(db: Kysely<DB>, only: string | undefined): Promise<string[]> {
  return withPlatformTxBypassingRls(db, async (tx) => {
    const { rows } = await sql<{ id: string }>`
      select t.id from tenants t
      where (${only ?? null}::uuid is null or t.id = ${only ?? null}::uuid)
        and exists (
          select 1 from audit_entries e
          where e.tenant_id = t.id
            and e.created_at >= coalesce((select s.to_created_at from audit_seals s
              where s.tenant_id = t.id order by s.seq desc limit 1), '-infinity')
            and e.created_at < now() - interval '1 second')
      order by t.id`.execute(tx);
    return rows.map((row) => row.id);
  });
}

const HIDDEN_SESSIONS =
  'The audit sealer cannot see the transactions of other roles in pg_stat_activity, so it ' +
  'cannot know which entries have committed: grant pg_read_all_stats to the role it connects as.';

interface Sealed {
  entryCount: number;
  reachedHorizon: boolean;
}

/** Writes the tenant's next seal, if it has entries below the horizon. */
async function sealNext(tx: Tx, tenantId: string, cap: number): Promise<Sealed | 'busy' | null> {
  // Its own statement, before the entries are read: under READ COMMITTED the next statement
  // sees every transaction that has ended by now. Every transaction still open started at or
  // after the horizon, so all it writes has created_at >= horizon (created_at is now(), the
  // writer's start). The margin covers a writer that has taken its start time but not yet
  // published it in pg_stat_activity. Our own transaction is among those counted. Only client
  // sessions write entries: an autovacuum worker's long transaction must not hold sealing back,
  // and it shows as `<insufficient privilege>` (with no role) to a role without
  // pg_read_all_stats.
  const { rows: started } = await sql<{ locked: boolean; horizon: string; hidden: number }>`
    select pg_try_advisory_xact_lock(${SEAL_LOCK_CLASS}, hashtext(${tenantId})) as locked,
      ${CANONICAL_FLOATS},
      ${utcText(sql`least(now(), min(xact_start) filter (where backend_type = 'client backend')) - interval '1 second'`)} as horizon,
      count(*) filter (where query = '<insufficient privilege>' and usesysid is not null)::int
        as hidden
    from pg_stat_activity where datname = current_database()`.execute(tx);
  const { locked, horizon, hidden } = started[0]!;
  // A session of another role shows no xact_start unless we may read all statistics.
  if (hidden > 0) throw new Error(HIDDEN_SESSIONS);
  if (!locked) return 'busy';

  // One statement: the range, the entries' hashes, the seal and its entry list. A seal takes
  // whole created_at values only: up to `cap` entries, or all of the first created_at value
  // when that alone has more. `to` is the next created_at not taken, or the horizon.
  const { rows } = await sql<{ entry_count: number; reached_horizon: boolean }>`
    with last as (
      select seq, to_created_at, chain_hash from audit_seals
      where tenant_id = ${tenantId} order by seq desc limit 1
    ), firsts as (
      select created_at from audit_entries
      where tenant_id = ${tenantId}
        and created_at >= coalesce((select to_created_at from last), '-infinity')
        and created_at < ${horizon}::timestamptz
      order by created_at limit ${cap + 1}
    ), cut as (
      select min(created_at) as first_at,
        case when count(*) > ${cap} then max(created_at) end as cut_at
      from firsts
    ), bounds as (
      select coalesce((select to_created_at from last), first_at) as from_at,
        case
          when cut_at is null then ${horizon}::timestamptz
          when cut_at > first_at then cut_at
          else coalesce((select min(created_at) from audit_entries
            where tenant_id = ${tenantId} and created_at > cut_at
              and created_at < ${horizon}::timestamptz), ${horizon}::timestamptz)
        end as to_at
      from cut where first_at is not null
    ), hashed as (
      select e.id, e.retention_until, ${entryHash} as entry_hash
      from bounds b
      join audit_entries e on e.tenant_id = ${tenantId}
        and e.created_at >= b.from_at and e.created_at < b.to_at
    ), batch as (
      select b.from_at, b.to_at, count(*)::int as entry_count,
        ${batchHash(sql`h.entry_hash`, sql`h.id`)} as batch_hash,
        coalesce((select seq from last), 0) + 1 as seq,
        coalesce((select chain_hash from last), ${GENESIS_HASH}) as previous_hash
      from bounds b cross join hashed h
      group by b.from_at, b.to_at
    ), seal as (
      insert into audit_seals (tenant_id, seq, from_created_at, to_created_at, entry_count,
        batch_hash, previous_hash, chain_hash)
      select ${tenantId}::uuid, seq, from_at, to_at, entry_count, batch_hash, previous_hash,
        ${chainHash({
          previousHash: sql`previous_hash`,
          batchHash: sql`batch_hash`,
          tenantId: sql`${tenantId}::uuid`,
          seq: sql`seq`,
          from: sql`from_at`,
          to: sql`to_at`,
          count: sql`entry_count`,
        })}
      from batch
      returning entry_count, to_created_at = ${horizon}::timestamptz as reached_horizon
    ), listed as (
      insert into audit_seal_entries (tenant_id, seq, entry_id, entry_hash, retention_until)
      select ${tenantId}::uuid, (select seq from batch), id, entry_hash, retention_until from hashed
    )
    select entry_count, reached_horizon from seal`.execute(tx);
  const seal = rows[0];
  return seal ? { entryCount: seal.entry_count, reachedHorizon: seal.reached_horizon } : null;
}
