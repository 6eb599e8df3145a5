import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/app.js';
import {
  anHourAgo,
  insertEntries,
  insertTenant,
  sealedCounts,
  sealsOf,
  sleep,
} from '../../../test/audit-seals.js';
import { recordAudit } from '../../platform/audit/record-audit.js';
import { withPlatformTxBypassingRls, withTenantTx } from '../../platform/db/transactions.js';
import { CANONICAL_FLOATS, entryHash } from './seal-hashes.js';
import { sealAuditEntries } from './seal-audit-entries.js';
import { verifyTenantAuditTrail } from './verify-audit-trail.js';

/** Sealing (ADR 0011): per-tenant chains of batches over whole created_at values. */

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

const seal = (tenantId: string, maxEntriesPerSeal = 10_000) =>
  sealAuditEntries(t.database.db, { tenantId, maxEntriesPerSeal });

/** Each seal starts where the one before ended and names its chain hash. */
function expectOneChain(seals: Awaited<ReturnType<typeof sealsOf>>) {
  seals.forEach((current, i) => {
    expect(current.seq).toBe(i + 1);
    if (i === 0) {
      expect(current.previous_hash).toEqual(Buffer.alloc(32));
    } else {
      expect(current.previous_hash).toEqual(seals[i - 1]!.chain_hash);
      expect(current.from_created_at).toEqual(seals[i - 1]!.to_created_at);
    }
  });
}

describe('sealAuditEntries', () => {
  it('makes one chain per tenant, from entries each tenant wrote', async () => {
    const [a, b] = [await insertTenant(t.database.db), await insertTenant(t.database.db)];
    await insertEntries(t.database.db, a, 3, { createdAt: anHourAgo(), withDetails: true });
    await insertEntries(t.database.db, b, 2, { createdAt: anHourAgo() });

    const runs = [
      await sealAuditEntries(t.database.db, { tenantId: a }),
      await sealAuditEntries(t.database.db, { tenantId: b }),
    ];
    expect(runs).toEqual([
      { tenants: 1, seals: 1, entries: 3, busyTenants: 0 },
      { tenants: 1, seals: 1, entries: 2, busyTenants: 0 },
    ]);
    const [sealsA, sealsB] = [await sealsOf(t.database.db, a), await sealsOf(t.database.db, b)];
    expect(sealsA.map((s) => [s.seq, s.entry_count])).toEqual([[1, 3]]);
    expect(sealsB.map((s) => [s.seq, s.entry_count])).toEqual([[1, 2]]);
    // Both start from the genesis hash; the tenant is part of the chain hash.
    expect(sealsA[0]!.chain_hash).not.toEqual(sealsB[0]!.chain_hash);
    expect(await sealedCounts(t.database.db, a)).toEqual({ sealed: 3, unsealed: 0, twice: 0 });
  });

  it('seals only the entries written since, in a second run, chained to the first', async () => {
    const tenantId = await insertTenant(t.database.db);
    await insertEntries(t.database.db, tenantId, 4, { createdAt: anHourAgo() });
    expect(await seal(tenantId)).toMatchObject({ seals: 1, entries: 4 });
    expect(await seal(tenantId)).toMatchObject({ seals: 0, entries: 0 });

    // Entries written the ordinary way; they are sealed once the horizon (a second back) passes.
    const source = {
      tenantId,
      tenant: { retentionDays: 90, piiKeys: [] },
      correlationId: randomUUID(),
      actorId: null,
      ipAddress: '203.0.113.9',
      userAgent: 'test',
    };
    await withTenantTx({ db: t.database.db, tenantId }, (tx) =>
      recordAudit(
        tx,
        source,
        { eventType: 'CREATED', entityType: 'site', entityId: randomUUID(), changes: {} },
        {
          eventType: 'STATE_CHANGED',
          entityType: 'ticket',
          entityId: randomUUID(),
          stateTransition: {
            fromState: 'OPEN',
            toState: 'RESOLVED',
            transitionReason: null,
            transitionDurationSeconds: 3.5,
          },
        },
      ),
    );
    const unsealed = await verifyTenantAuditTrail({ db: t.database.db, tenantId });
    expect(unsealed).toMatchObject({ ok: true, unsealed_entries: 2, entries_checked: 4 });
    await sleep(1_100);
    let second = await seal(tenantId);
    // On a shared PostgreSQL another test's open transaction may hold the horizon back a moment.
    for (let tries = 0; second.entries < 2 && tries < 20; tries += 1) {
      await sleep(250);
      second = { ...second, entries: second.entries + (await seal(tenantId)).entries };
    }
    expect(second.entries).toBe(2);

    const seals = await sealsOf(t.database.db, tenantId);
    expect(seals.reduce((n, s) => n + s.entry_count, 0)).toBe(6);
    expect(seals[0]!.entry_count).toBe(4);
    expectOneChain(seals);
    expect(await verifyTenantAuditTrail({ db: t.database.db, tenantId })).toMatchObject({
      ok: true,
      seals_checked: seals.length,
      entries_checked: 6,
      unsealed_entries: 0,
    });
  });

  it('never splits one created_at between seals, however many entries share it', async () => {
    const tenantId = await insertTenant(t.database.db);
    const early = new Date(Date.now() - 7_200_000);
    await insertEntries(t.database.db, tenantId, 10, { createdAt: early });
    await insertEntries(t.database.db, tenantId, 2_500, { createdAt: anHourAgo() });
    await insertEntries(t.database.db, tenantId, 10, { createdAt: new Date(Date.now() - 60_000) });

    const run = await seal(tenantId, 1_000);
    expect(run).toMatchObject({ tenants: 1, entries: 2_520 });
    const seals = await sealsOf(t.database.db, tenantId);
    // The 10 early ones, then all 2,500 of one created_at in a seal of their own, then the rest.
    expect(seals.map((s) => s.entry_count)).toEqual([10, 2_500, 10]);
    expect(seals[1]!.from_created_at.getTime()).toBeLessThanOrEqual(anHourAgo().getTime());
    expectOneChain(seals);
    expect(await sealedCounts(t.database.db, tenantId)).toEqual({
      sealed: 2_520,
      unsealed: 0,
      twice: 0,
    });
  });

  it('caps a seal at maxEntriesPerSeal: several seals that chain', async () => {
    const tenantId = await insertTenant(t.database.db);
    const base = Date.now() - 3_600_000;
    // 3,500 entries over 350 created_at values, 10 each.
    for (let i = 0; i < 350; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          insertEntries(t.database.db, tenantId, 10, {
            createdAt: new Date(base + (i + j) * 1000),
          }),
        ),
      );
    }
    const run = await seal(tenantId, 1_000);
    expect(run).toEqual({ tenants: 1, seals: 4, entries: 3_500, busyTenants: 0 });
    const seals = await sealsOf(t.database.db, tenantId);
    expect(seals.map((s) => s.entry_count)).toEqual([1_000, 1_000, 1_000, 500]);
    expectOneChain(seals);
    expect(await verifyTenantAuditTrail({ db: t.database.db, tenantId })).toMatchObject({
      ok: true,
      seals_checked: 4,
      entries_checked: 3_500,
    });
  });

  it('seals nothing for a tenant without new entries', async () => {
    const tenantId = await insertTenant(t.database.db);
    expect(await seal(tenantId)).toEqual({ tenants: 0, seals: 0, entries: 0, busyTenants: 0 });
    expect(await sealsOf(t.database.db, tenantId)).toEqual([]);
  });
});

describe('the entry hash', () => {
  // Seals already written hold hashes of this exact text: a change to `entryHash` (a column
  // added, another order, a session setting leaking into the text) must fail here first.
  it('is pinned for a fixed entry, whatever the session time zone and float digits', async () => {
    const hashOf = () =>
      withPlatformTxBypassingRls(t.database.db, async (tx) => {
        await sql`select set_config('timezone', 'Asia/Kolkata', true),
          set_config('extra_float_digits', '0', true)`.execute(tx);
        await sql`select ${CANONICAL_FLOATS}`.execute(tx);
        const { rows } = await sql<{ hash: string }>`
          select encode(${entryHash}, 'hex') as hash
          from (select
              '11111111-1111-4111-8111-111111111111'::uuid as tenant_id,
              '22222222-2222-4222-8222-222222222222'::uuid as id,
              '33333333-3333-4333-8333-333333333333'::uuid as correlation_id,
              'STATE_CHANGED'::text as event_type, 'ticket'::text as entity_type,
              '44444444-4444-4444-8444-444444444444'::uuid as entity_id, null::uuid as actor_id,
              '{"status": {"old": "OPEN", "new": "INPROGRESS"}}'::jsonb as changes,
              '{"version": 2, "a": [1, "x"]}'::jsonb as metadata,
              '192.0.2.1'::text as ip_address, 'curl/8'::text as user_agent,
              '{REPEATED_DENIALS}'::text[] as security_flags,
              '2026-11-26T10:00:00.123456Z'::timestamptz as created_at,
              '2027-02-24T10:00:00.123456Z'::timestamptz as retention_until,
              -- As migration 0011 built it from the detail row the hash was first pinned with.
              jsonb_build_object('from_state', 'OPEN', 'to_state', 'INPROGRESS',
                'transition_reason', 'on site',
                'transition_duration_seconds', 1234567890.1234567::float8) as state_transition,
              null::jsonb as bulk_operation, null::jsonb as permission_denial) e`.execute(tx);
        return rows[0]!.hash;
      });
    expect(await hashOf()).toBe('f8134aef8c0851b438d10e1c2ff8805abe1b630d8b46932cb0390d8110b30d19');
  });
});
