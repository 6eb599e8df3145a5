import { randomUUID } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/app.js';
import { createTenant, type TestTenant } from '../../../test/factories.js';
import {
  withPlatformTxBypassingRls,
  withTenantTx,
  type Tx,
} from '../../platform/db/transactions.js';
import { purgeExpiredAuditEntries } from './purge-expired-entries.js';

/**
 * The retention purge (SPEC §7) on a real database. Expired rows are made with SQL as the owner:
 * the API only ever writes entries that expire in the future.
 */

let t: TestApp;
let active: TestTenant;
let held: TestTenant;
beforeAll(async () => {
  t = await buildTestApp();
  [active, held] = [await createTenant(t), await createTenant(t)];
  await platform((tx) =>
    sql`update tenants set legal_hold = true where id = ${held.id}`.execute(tx),
  );
});
afterAll(() => t.close());

const platform = <T>(work: (tx: Tx) => Promise<T>) =>
  withPlatformTxBypassingRls(t.database.db, work);

/** Inserts an entry (with its state transition) that expired `daysAgo` days ago, or expires in -daysAgo. */
async function insertEntry(tenantId: string, daysAgo: number): Promise<string> {
  const id = randomUUID();
  await platform((tx) =>
    sql`insert into audit_entries
      (tenant_id, id, correlation_id, event_type, entity_type, entity_id, created_at,
       retention_until, state_transition)
      values (${tenantId}, ${id}, ${randomUUID()}, 'STATE_CHANGED', 'ticket', ${randomUUID()},
        now() - make_interval(days => ${daysAgo + 90}), now() - make_interval(days => ${daysAgo}),
        '{"from_state": "NEW", "to_state": "OPEN", "transition_reason": null,
          "transition_duration_seconds": null}')`.execute(tx),
  );
  return id;
}

const insertEntries = (tenantId: string, n: number, daysAgo: number) =>
  Promise.all(Array.from({ length: n }, () => insertEntry(tenantId, daysAgo)));

async function remaining(ids: string[]): Promise<number> {
  const entries = await platform((tx) =>
    tx.selectFrom('audit_entries').select('id').where('id', 'in', ids).execute(),
  );
  return entries.length;
}

describe('purgeExpiredAuditEntries', () => {
  it('deletes expired entries in batches, keeps the rest and the held tenant', async () => {
    const expired = await insertEntries(active.id, 7, 1);
    const unexpired = await insertEntries(active.id, 2, -1);
    const heldExpired = await insertEntries(held.id, 3, 30);

    const result = await purgeExpiredAuditEntries(t.database.db, { batchSize: 3 });

    expect(await remaining(expired)).toBe(0);
    expect(await remaining(unexpired)).toBe(2);
    expect(await remaining(heldExpired)).toBe(3);
    // Other test files may add expired rows on a shared PostgreSQL database: at least ours.
    expect(result.deleted).toBeGreaterThanOrEqual(7);
    // 7 rows in batches of 3: 3, 3, then one that deletes fewer than 3.
    expect(result.batches).toBeGreaterThanOrEqual(3);
    expect(result.tenantsOnHold).toBeGreaterThanOrEqual(1);
    // The tenant's own entries from the API (CREATED, unexpired) are untouched.
    const live = await platform((tx) =>
      tx
        .selectFrom('audit_entries')
        .select('id')
        .where('tenant_id', '=', active.id)
        .where('event_type', '=', 'CREATED')
        .execute(),
    );
    expect(live.length).toBeGreaterThan(0);

    const again = await purgeExpiredAuditEntries(t.database.db, { batchSize: 3 });
    expect(await remaining(heldExpired)).toBe(3);
    expect(again.batches).toBeGreaterThanOrEqual(1);
  });

  it('runs beside another purge, and no expired entry is left', async () => {
    const expired = await insertEntries(active.id, 40, 2);

    const runs = await Promise.all([
      purgeExpiredAuditEntries(t.database.db, { batchSize: 5 }),
      purgeExpiredAuditEntries(t.database.db, { batchSize: 5 }),
    ]);

    expect(await remaining(expired)).toBe(0);
    expect(runs[0].deleted + runs[1].deleted).toBeGreaterThanOrEqual(40);
  });

  it("purges a tenant's entries once its legal hold is lifted", async () => {
    const tenant = await createTenant(t);
    await platform((tx) =>
      sql`update tenants set legal_hold = true where id = ${tenant.id}`.execute(tx),
    );
    const ids = await insertEntries(tenant.id, 2, 5);
    await purgeExpiredAuditEntries(t.database.db);
    expect(await remaining(ids)).toBe(2);
    await platform((tx) =>
      sql`update tenants set legal_hold = false where id = ${tenant.id}`.execute(tx),
    );
    await purgeExpiredAuditEntries(t.database.db);
    expect(await remaining(ids)).toBe(0);
  });

  it('deletes expired idempotency keys and search events past their tenant retention', async () => {
    const tenant = await createTenant(t);
    await platform(async (tx) => {
      await sql`update tenants set retention_days = 10 where id = ${tenant.id}`.execute(tx);
      await sql`insert into idempotency_keys (tenant_id, actor_id, key, request_hash, expires_at)
        values (${tenant.id}, ${tenant.adminId}, 'old', 'h', now() - interval '1 minute'),
               (${tenant.id}, ${tenant.adminId}, 'new', 'h', now() + interval '1 hour')`.execute(
        tx,
      );
      await sql`insert into search_events
          (tenant_id, actor_id, query, entities, result_count, latency_ms, from_cache, created_at)
        values (${tenant.id}, ${tenant.adminId}, 'old', '{ticket}', 0, 1, false, now() - interval '11 days'),
               (${tenant.id}, ${tenant.adminId}, 'new', '{ticket}', 0, 1, false, now() - interval '9 days')`.execute(
        tx,
      );
    });
    const result = await purgeExpiredAuditEntries(t.database.db, { batchSize: 1 });
    expect(result.idempotencyKeysDeleted).toBeGreaterThanOrEqual(1);
    expect(result.searchEventsDeleted).toBeGreaterThanOrEqual(1);
    const left = await platform(async (tx) => ({
      keys: (
        await sql<{ key: string }>`select key from idempotency_keys
          where tenant_id = ${tenant.id}`.execute(tx)
      ).rows.map((row) => row.key),
      events: (
        await sql<{ query: string }>`select query from search_events
          where tenant_id = ${tenant.id}`.execute(tx)
      ).rows.map((row) => row.query),
    }));
    expect(left).toEqual({ keys: ['new'], events: ['new'] });
  });
});

class RolledBack extends Error {}

/** The database's refusal of `statement`, or null when it went through (always rolled back). */
async function refusalOf(
  as: 'app' | 'owner',
  statement: RawBuilder<unknown>,
  { purge }: { purge: boolean },
): Promise<string | null> {
  const work = async (tx: Tx) => {
    if (purge) await sql`select set_config('app.audit_purge', 'on', true)`.execute(tx);
    await statement.execute(tx);
    throw new RolledBack();
  };
  try {
    await (as === 'app'
      ? withTenantTx({ db: t.database.db, tenantId: active.id }, work)
      : platform(work));
    return 'unreachable';
  } catch (error) {
    return error instanceof RolledBack ? null : (error as Error).message;
  }
}

describe('the append-only trigger lets only the purge through', () => {
  it('refuses a DELETE without the purge setting, an UPDATE with it, and a DELETE by the app role', async () => {
    const id = await insertEntry(active.id, 1);
    const remove = sql`delete from audit_entries where id = ${id}`;
    const update = sql`update audit_entries set entity_type = 'x' where id = ${id}`;
    expect(await refusalOf('owner', remove, { purge: false })).toMatch(/append-only/);
    expect(await refusalOf('owner', update, { purge: true })).toMatch(/append-only/);
    expect(await refusalOf('app', remove, { purge: true })).toMatch(/permission denied/);
    expect(await refusalOf('owner', remove, { purge: true })).toBeNull();
    expect(await remaining([id])).toBe(1);
  });

  it('refuses, even with the purge setting, what the purge would not delete', async () => {
    const unexpired = await insertEntry(active.id, -1);
    const heldExpired = await insertEntry(held.id, 30);
    const expired = await insertEntry(active.id, 1);
    const removeEntry = (id: string) => sql`delete from audit_entries where id = ${id}`;
    expect(await refusalOf('owner', removeEntry(unexpired), { purge: true })).toMatch(
      /append-only/,
    );
    expect(await refusalOf('owner', removeEntry(heldExpired), { purge: true })).toMatch(
      /append-only/,
    );
    expect(await refusalOf('owner', removeEntry(expired), { purge: true })).toBeNull();
    expect(await remaining([unexpired, heldExpired, expired])).toBe(3);
  });
});
