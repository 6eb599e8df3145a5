import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../../../test/app.js';
import {
  anHourAgo,
  asIntruder,
  insertEntries,
  insertTenant,
  sealsOf,
} from '../../../test/audit-seals.js';
import { createPersonWith, createTenant } from '../../../test/factories.js';
import { withPlatformTxBypassingRls } from '../../platform/db/transactions.js';
import { sealAuditEntries } from './seal-audit-entries.js';
import { verifyTenantAuditTrail } from './verify-audit-trail.js';

/**
 * Verification (ADR 0011) finds what an intruder with the owner's rights changed directly in
 * the database, triggers switched off, and takes the retention purge's deletions for what they are.
 */

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

const verify = (tenantId: string) => verifyTenantAuditTrail({ db: t.database.db, tenantId });

/** A tenant with 30 entries (some with detail rows) sealed in three seals of 10. */
async function sealedTenant(tenantId?: string) {
  const id = tenantId ?? (await insertTenant(t.database.db));
  const ids: string[] = [];
  for (const minutes of [90, 80, 70]) {
    const createdAt = new Date(Date.now() - minutes * 60_000);
    ids.push(...(await insertEntries(t.database.db, id, 10, { createdAt, withDetails: true })));
  }
  await sealAuditEntries(t.database.db, { tenantId: id, maxEntriesPerSeal: 10 });
  expect((await sealsOf(t.database.db, id)).map((seal) => seal.entry_count)).toEqual([10, 10, 10]);
  return { tenantId: id, ids };
}

describe('verifyAuditTrail', () => {
  it('reports ok on an untouched trail, with the head of the chain', async () => {
    const { tenantId } = await sealedTenant();
    await insertEntries(t.database.db, tenantId, 2);
    const report = await verify(tenantId);
    const seals = await sealsOf(t.database.db, tenantId);
    expect(report).toEqual({
      tenant_id: tenantId,
      verified_at: expect.any(String),
      ok: true,
      seals_checked: 3,
      entries_checked: 30,
      purged_entries: 0,
      unsealed_entries: 2,
      last_seal: {
        seq: 3,
        sealed_to: seals[2]!.to_created_at,
        chain_hash: seals[2]!.chain_hash.toString('hex'),
      },
      problem_count: 0,
      problems: [],
    });
  });

  it('finds an entry altered, and an entry whose detail object was altered', async () => {
    const { tenantId, ids } = await sealedTenant();
    await asIntruder(t.database.db, async (tx) => {
      await sql`update audit_entries set metadata = '{"n": 99}' where id = ${ids[12]}`.execute(tx);
      await sql`update audit_entries
        set state_transition = jsonb_set(state_transition, '{to_state}', '"CLOSED"')
        where id = ${ids[0]}`.execute(tx);
    });
    const report = await verify(tenantId);
    expect(report).toMatchObject({ ok: false, problem_count: 2, entries_checked: 30 });
    expect(report.problems).toEqual([
      { kind: 'ALTERED', entry_id: ids[0], seal_seq: 1, message: expect.any(String) },
      { kind: 'ALTERED', entry_id: ids[12], seal_seq: 2, message: expect.any(String) },
    ]);
    expect(report.problems[0]!.message).toContain('no longer matches');
  });

  it('finds an entry deleted, and one inserted with a backdated created_at', async () => {
    const { tenantId, ids } = await sealedTenant();
    await asIntruder(t.database.db, (tx) =>
      sql`delete from audit_entries where id = ${ids[25]}`.execute(tx),
    );
    const [inserted] = await insertEntries(t.database.db, tenantId, 1, {
      createdAt: new Date(Date.now() - 75 * 60_000),
    });
    const report = await verify(tenantId);
    expect(report).toMatchObject({ ok: false, problem_count: 2 });
    expect(report.problems).toEqual(
      expect.arrayContaining([
        { kind: 'DELETED', entry_id: ids[25], seal_seq: 3, message: expect.any(String) },
        // Its created_at falls in the range of seal 2 ([80, 70) minutes ago), which does not list it.
        { kind: 'INSERTED', entry_id: inserted, seal_seq: 2, message: expect.any(String) },
      ]),
    );
  });

  it('finds a seal altered: its fields, or its entry list', async () => {
    const { tenantId, ids } = await sealedTenant();
    await asIntruder(t.database.db, async (tx) => {
      await sql`update audit_seals set entry_count = 9
        where tenant_id = ${tenantId} and seq = 1`.execute(tx);
      await sql`update audit_seal_entries set entry_hash = sha256('forged')
        where entry_id = ${ids[15]}`.execute(tx);
    });
    const report = await verify(tenantId);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      { kind: 'SEAL_ALTERED', seal_seq: 1, message: expect.stringContaining('own chain hash') },
      { kind: 'SEAL_ALTERED', seal_seq: 2, message: expect.stringContaining('entry list') },
      // The entry no longer matches the (forged) hash listed for it.
      { kind: 'ALTERED', entry_id: ids[15], seal_seq: 2, message: expect.any(String) },
    ]);
  });

  it('finds a seal deleted from the middle of the chain', async () => {
    const { tenantId } = await sealedTenant();
    await asIntruder(t.database.db, (tx) =>
      sql`delete from audit_seals where tenant_id = ${tenantId} and seq = 2`.execute(tx),
    );
    const report = await verify(tenantId);
    expect(report).toMatchObject({ ok: false, problem_count: 1, seals_checked: 2 });
    expect(report.problems).toEqual([
      { kind: 'CHAIN_BROKEN', seal_seq: 2, message: 'Seal 2 is missing from the chain' },
    ]);
  });

  it('finds a seal deleted with its entry list, and a seal rewritten to hide it', async () => {
    const { tenantId, ids } = await sealedTenant();
    await asIntruder(t.database.db, async (tx) => {
      await sql`delete from audit_seal_entries where tenant_id = ${tenantId} and seq = 1`.execute(
        tx,
      );
      await sql`delete from audit_seals where tenant_id = ${tenantId} and seq = 1`.execute(tx);
    });
    const report = await verify(tenantId);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        { kind: 'CHAIN_BROKEN', seal_seq: 1, message: 'Seal 1 is missing from the chain' },
        { kind: 'INSERTED', entry_id: ids[0], message: expect.any(String) },
      ]),
    );
    // Seal 1's ten entries are now listed by no seal although older than the last one.
    expect(report.problem_count).toBe(11);
  });

  it('finds a broken link: a seal whose previous hash is not the chain hash before it', async () => {
    const { tenantId } = await sealedTenant();
    await asIntruder(t.database.db, (tx) =>
      // Seal 3 re-chained onto the genesis hash, its own chain hash recomputed to match.
      sql`update audit_seals set previous_hash = decode(repeat('00', 32), 'hex'),
          chain_hash = sha256(decode(repeat('00', 32), 'hex') || batch_hash ||
            convert_to(concat_ws('|', tenant_id::text, seq::text,
              to_char(from_created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              to_char(to_created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              entry_count::text), 'UTF8'))
        where tenant_id = ${tenantId} and seq = 3`.execute(tx),
    );
    const report = await verify(tenantId);
    expect(report.problems).toEqual([
      { kind: 'CHAIN_BROKEN', seal_seq: 3, message: expect.stringContaining('does not follow') },
    ]);
  });

  it('caps the listed problems and counts them all', async () => {
    const { tenantId } = await sealedTenant();
    await asIntruder(t.database.db, (tx) =>
      sql`update audit_entries set entity_type = 'asset' where tenant_id = ${tenantId}`.execute(tx),
    );
    const report = await verifyTenantAuditTrail(
      { db: t.database.db, tenantId },
      { maxProblems: 5 },
    );
    expect(report).toMatchObject({ ok: false, problem_count: 30 });
    expect(report.problems).toHaveLength(5);
  });
});

describe('purges and verification', () => {
  /** Deletes the way the retention purge does: app.audit_purge on, triggers in force. */
  const purge = (ids: string[]) =>
    withPlatformTxBypassingRls(t.database.db, async (tx) => {
      await sql`select set_config('app.audit_purge', 'on', true)`.execute(tx);
      await sql`delete from audit_entries where id = any(${ids}::uuid[])`.execute(tx);
    });

  it('counts sealed entries purged after their retention, and is ok', async () => {
    const tenantId = await insertTenant(t.database.db);
    const expired = await insertEntries(t.database.db, tenantId, 5, {
      createdAt: new Date(Date.now() - 3 * 86_400_000),
      retentionUntil: new Date(Date.now() - 86_400_000),
      withDetails: true,
    });
    await insertEntries(t.database.db, tenantId, 3, { createdAt: anHourAgo() });
    await sealAuditEntries(t.database.db, { tenantId });
    await purge(expired);
    expect(await verify(tenantId)).toMatchObject({
      ok: true,
      purged_entries: 5,
      entries_checked: 3,
      problems: [],
    });
  });

  it('reports the deletion of an unexpired sealed entry as DELETED', async () => {
    const tenantId = await insertTenant(t.database.db);
    const ids = await insertEntries(t.database.db, tenantId, 3, { createdAt: anHourAgo() });
    await sealAuditEntries(t.database.db, { tenantId });
    // The purge's own setting does not let it through (migration 0009): only an intruder can.
    await expect(purge([ids[1]!])).rejects.toThrow(/append-only/);
    await asIntruder(t.database.db, (tx) =>
      sql`delete from audit_entries where id = ${ids[1]!}`.execute(tx),
    );
    const report = await verify(tenantId);
    expect(report).toMatchObject({ ok: false, purged_entries: 0 });
    expect(report.problems).toEqual([
      { kind: 'DELETED', entry_id: ids[1], seal_seq: 1, message: expect.any(String) },
    ]);
  });

  it('keeps seals through the purge: the seal tables refuse every change', async () => {
    const { tenantId } = await sealedTenant();
    for (const statement of [
      sql`delete from audit_seal_entries where tenant_id = ${tenantId}`,
      sql`delete from audit_seals where tenant_id = ${tenantId}`,
      sql`update audit_seals set entry_count = 1 where tenant_id = ${tenantId}`,
      sql`truncate audit_seal_entries`,
    ]) {
      await expect(
        withPlatformTxBypassingRls(t.database.db, async (tx) => {
          await sql`select set_config('app.audit_purge', 'on', true)`.execute(tx);
          await statement.execute(tx);
        }),
      ).rejects.toThrow(/append-only/);
    }
    expect(await sealsOf(t.database.db, tenantId)).toHaveLength(3);
  });
});

describe('GET /api/v1/audit-logs/verify', () => {
  it('answers the report for the caller’s tenant, 200 whether or not it is ok', async () => {
    const tenant = await createTenant(t);
    const { ids } = await sealedTenant(tenant.id);
    const get = () =>
      call(t, tenant.adminToken, { method: 'GET', url: '/api/v1/audit-logs/verify' });

    const intact = await get();
    expect(intact.statusCode, intact.body).toBe(200);
    const direct = await verify(tenant.id);
    expect(intact.data).toEqual({
      ...direct,
      verified_at: expect.any(String),
      last_seal: {
        ...direct.last_seal,
        sealed_to: new Date(direct.last_seal!.sealed_to).toISOString(),
      },
    });
    expect(intact.data).toMatchObject({ ok: true, entries_checked: 30 });

    await asIntruder(t.database.db, (tx) =>
      sql`update audit_entries set actor_id = gen_random_uuid() where id = ${ids[3]}`.execute(tx),
    );
    const tampered = await get();
    expect(tampered.statusCode).toBe(200);
    expect(tampered.data).toMatchObject({
      ok: false,
      problem_count: 1,
      problems: [{ kind: 'ALTERED', entry_id: ids[3], seal_seq: 1 }],
    });
  });

  it('needs audit.view: 403, audited as a denial', async () => {
    const tenant = await createTenant(t);
    const clerk = await createPersonWith(t, tenant, ['work_orders.view']);
    const denied = await call(t, clerk.token, { method: 'GET', url: '/api/v1/audit-logs/verify' });
    expect(denied.statusCode).toBe(403);
    expect(denied.data).toMatchObject({
      error: { code: 'PERMISSION_DENIED', details: { required_permission: 'audit.view' } },
    });
    const denials = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx
        .selectFrom('audit_entries')
        .select('permission_denial')
        .where('tenant_id', '=', tenant.id)
        .where('permission_denial', 'is not', null)
        .execute(),
    );
    expect(denials).toEqual([
      {
        permission_denial: {
          required_permission: 'audit.view',
          action_attempted: 'GET /api/v1/audit-logs/verify',
          risk_level: 'LOW',
        },
      },
    ]);

    const auditor = await createPersonWith(t, tenant, ['audit.view']);
    const allowed = await call(t, auditor.token, {
      method: 'GET',
      url: '/api/v1/audit-logs/verify',
    });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.data).toMatchObject({ tenant_id: tenant.id, ok: true, seals_checked: 0 });
  });
});
