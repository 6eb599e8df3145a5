import { sql, type Kysely } from 'kysely';
import type { DB } from '../../platform/db/tables.js';
import {
  withPlatformTxBypassingRls,
  withTenantTx,
  type TenantScope,
  type Tx,
} from '../../platform/db/transactions.js';
import { batchHash, CANONICAL_FLOATS, chainHash, entryHash, GENESIS_HASH } from './seal-hashes.js';
import type { AuditProblem, AuditVerification } from './verify-schemas.js';

export interface VerifyOptions {
  /** At most this many problems are listed; `problem_count` counts them all (1,000). */
  maxProblems?: number;
}

const MAX_PROBLEMS = 1_000;

/** `verifyAuditTrail` in a transaction of the tenant's own (RLS applies). */
export function verifyTenantAuditTrail(
  scope: TenantScope,
  options?: VerifyOptions,
): Promise<AuditVerification> {
  return withTenantTx(scope, (tx) => verifyAuditTrail(tx, scope.tenantId, options));
}

/**
 * Checks a tenant's audit trail against its seals (ADR 0011): each seal against its entry list
 * and the seal before it, then every sealed entry against its hash and every entry of a sealed
 * range against the lists, in one statement each. Entries purged after their retention are
 * counted, not reported; entries newer than the last seal are counted as unsealed.
 */
export async function verifyAuditTrail(
  tx: Tx,
  tenantId: string,
  options: VerifyOptions = {},
): Promise<AuditVerification> {
  const maxProblems = options.maxProblems ?? MAX_PROBLEMS;
  await sql`select ${CANONICAL_FLOATS}`.execute(tx);
  const head = await lastSeal(tx, tenantId);
  const sealProblems = await checkSeals(tx, tenantId);
  const entries = await checkEntries(tx, tenantId, Math.max(0, maxProblems - sealProblems.length));
  const problemCount = sealProblems.length + entries.problemCount;
  return {
    tenant_id: tenantId,
    verified_at: entries.verifiedAt,
    ok: problemCount === 0,
    seals_checked: head?.count ?? 0,
    entries_checked: entries.checked,
    purged_entries: entries.purged,
    unsealed_entries: entries.unsealed,
    last_seal: head
      ? { seq: head.seq, sealed_to: head.to, chain_hash: head.chainHash.toString('hex') }
      : null,
    problem_count: problemCount,
    problems: [...sealProblems, ...entries.problems].slice(0, maxProblems),
  };
}

async function lastSeal(tx: Tx, tenantId: string) {
  const { rows } = await sql<{ seq: number; to: Date; chain_hash: Buffer; count: number }>`
    select seq::int, to_created_at as to, chain_hash,
      (select count(*)::int from audit_seals where tenant_id = ${tenantId}) as count
    from audit_seals where tenant_id = ${tenantId} order by seq desc limit 1`.execute(tx);
  const row = rows[0];
  return row && { seq: row.seq, to: row.to, chainHash: row.chain_hash, count: row.count };
}

type SealVerdict = 'MISSING' | 'FIELDS' | 'BATCH' | 'LINK';

const SEAL_PROBLEMS: Record<SealVerdict, (seq: number) => AuditProblem> = {
  MISSING: (seq) => ({
    kind: 'CHAIN_BROKEN',
    seal_seq: seq,
    message: `Seal ${seq} is missing from the chain`,
  }),
  FIELDS: (seq) => ({
    kind: 'SEAL_ALTERED',
    seal_seq: seq,
    message: `Seal ${seq} does not match its own chain hash: its range, count or hashes were changed`,
  }),
  BATCH: (seq) => ({
    kind: 'SEAL_ALTERED',
    seal_seq: seq,
    message: `The entry list of seal ${seq} no longer hashes to the seal's batch hash`,
  }),
  LINK: (seq) => ({
    kind: 'CHAIN_BROKEN',
    seal_seq: seq,
    message: `Seal ${seq} does not follow the chain hash of the seal before it`,
  }),
};

/**
 * Every seal number up to the highest one (of a seal or of an orphaned entry list) is judged:
 * present, consistent with its own chain hash, with its entry list, and linked to the seal
 * before it (the genesis hash for the first).
 */
async function checkSeals(tx: Tx, tenantId: string): Promise<AuditProblem[]> {
  const { rows } = await sql<{ seq: number; verdict: SealVerdict }>`
    with seals as (
      select * from audit_seals where tenant_id = ${tenantId}
    ), listed as (
      select seq, count(*)::int as n, ${batchHash(sql`entry_hash`, sql`entry_id`)} as batch
      from audit_seal_entries where tenant_id = ${tenantId} group by seq
    ), seqs as (
      select generate_series(1::bigint,
        greatest((select max(seq) from seals), (select max(seq) from listed))) as seq
    )
    select * from (
      select q.seq::int, case
        when s.seq is null then 'MISSING'
        when s.chain_hash <> ${chainHash({
          previousHash: sql`s.previous_hash`,
          batchHash: sql`s.batch_hash`,
          tenantId: sql`s.tenant_id`,
          seq: sql`s.seq`,
          from: sql`s.from_created_at`,
          to: sql`s.to_created_at`,
          count: sql`s.entry_count`,
        })} then 'FIELDS'
        when l.batch is distinct from s.batch_hash or coalesce(l.n, 0) <> s.entry_count
          then 'BATCH'
        -- After a missing seal (reported as such) the link cannot be judged.
        when s.previous_hash <> case when s.seq = 1 then ${GENESIS_HASH} else p.chain_hash end
          then 'LINK'
      end as verdict
      from seqs q
      left join seals s on s.seq = q.seq
      left join listed l on l.seq = q.seq
      left join seals p on p.seq = q.seq - 1
    ) judged
    where verdict is not null
    order by seq`.execute(tx);
  return rows.map((row) => SEAL_PROBLEMS[row.verdict](row.seq));
}

type EntryVerdict = 'ALTERED' | 'DELETED' | 'INSERTED';

interface EntryCheck {
  verifiedAt: string;
  checked: number;
  purged: number;
  unsealed: number;
  problemCount: number;
  problems: AuditProblem[];
}

/**
 * One statement: the sealed entries full-outer-joined with the entries as they are now,
 * re-hashed. Each pair is OK, ALTERED (hash differs), DELETED (sealed, gone before its
 * retention ended), PURGED (gone after it), INSERTED (present, older than the last seal's range
 * end, listed by no seal) or UNSEALED (newer).
 */
async function checkEntries(tx: Tx, tenantId: string, limit: number): Promise<EntryCheck> {
  const { rows } = await sql<{
    verified_at: Date;
    counts: Record<string, number> | null;
    problems: { kind: EntryVerdict; entry_id: string; seal_seq: number | null }[] | null;
  }>`
    with compared as (
      select coalesce(s.entry_id, l.id) as entry_id, s.seq, l.created_at,
        case
          when s.entry_id is null then
            case when l.created_at < (select max(to_created_at) from audit_seals
              where tenant_id = ${tenantId}) then 'INSERTED' else 'UNSEALED' end
          when l.id is null then
            case when s.retention_until < now() then 'PURGED' else 'DELETED' end
          when l.hash <> s.entry_hash then 'ALTERED'
          else 'OK'
        end as verdict
      from (
        select entry_id, seq, entry_hash, retention_until from audit_seal_entries
        where tenant_id = ${tenantId}
      ) s
      full join (
        select e.id, e.created_at, ${entryHash} as hash
        from audit_entries e
        where e.tenant_id = ${tenantId}
      ) l on l.id = s.entry_id
    )
    select now() as verified_at,
      (select json_object_agg(verdict, n) from (
        select verdict, count(*)::int as n from compared group by verdict) c) as counts,
      (select json_agg(p) from (
        select c.verdict as kind, c.entry_id,
          coalesce(c.seq, (select x.seq from audit_seals x where x.tenant_id = ${tenantId}
            and c.created_at >= x.from_created_at and c.created_at < x.to_created_at)) as seal_seq
        from compared c
        where c.verdict in ('ALTERED', 'DELETED', 'INSERTED')
        order by c.seq nulls last, c.entry_id
        limit ${limit}) p) as problems`.execute(tx);
  const row = rows[0]!;
  const count = (verdict: string) => row.counts?.[verdict] ?? 0;
  return {
    verifiedAt: row.verified_at.toISOString(),
    checked: count('OK') + count('ALTERED') + count('INSERTED'),
    purged: count('PURGED'),
    unsealed: count('UNSEALED'),
    problemCount: count('ALTERED') + count('DELETED') + count('INSERTED'),
    problems: (row.problems ?? []).map((problem) => entryProblem(problem)),
  };
}

const ENTRY_MESSAGES: Record<EntryVerdict, string> = {
  ALTERED: 'no longer matches the hash it was sealed with',
  DELETED: 'was sealed and is gone before its retention ended',
  INSERTED: 'lies in a sealed range but no seal lists it',
};

function entryProblem(found: {
  kind: EntryVerdict;
  entry_id: string;
  seal_seq: number | null;
}): AuditProblem {
  const where = found.seal_seq === null ? '' : ` (seal ${found.seal_seq})`;
  return {
    kind: found.kind,
    entry_id: found.entry_id,
    ...(found.seal_seq === null ? {} : { seal_seq: found.seal_seq }),
    message: `Audit entry ${found.entry_id}${where} ${ENTRY_MESSAGES[found.kind]}`,
  };
}

export interface TenantVerification {
  slug: string;
  report: AuditVerification;
}

/**
 * Every tenant's trail (or the one with `tenantSlug`), each verified in a transaction of its
 * own; null when no tenant has that slug. For the CLI: it lists the tenants as the owner.
 */
export async function verifyAuditTrails(
  db: Kysely<DB>,
  options: { tenantSlug?: string } = {},
): Promise<TenantVerification[] | null> {
  const tenants = await withPlatformTxBypassingRls(db, (tx) => {
    let query = tx.selectFrom('tenants').select(['id', 'slug']).orderBy('slug');
    if (options.tenantSlug !== undefined) query = query.where('slug', '=', options.tenantSlug);
    return query.execute();
  });
  if (options.tenantSlug !== undefined && tenants.length === 0) return null;
  const verified: TenantVerification[] = [];
  for (const tenant of tenants) {
    verified.push({
      slug: tenant.slug,
      report: await verifyTenantAuditTrail({ db, tenantId: tenant.id }),
    });
  }
  return verified;
}
