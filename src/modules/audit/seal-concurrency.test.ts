import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, onPostgres, type TestApp } from '../../../test/app.js';
import {
  anHourAgo,
  insertEntries,
  insertTenant,
  sealedCounts,
  sealsOf,
  sleep,
} from '../../../test/audit-seals.js';
import { recordAudit } from '../../platform/audit/record-audit.js';
import type { AuditSource } from '../../platform/context.js';
import { withPlatformTxBypassingRls, withTenantTx } from '../../platform/db/transactions.js';
import { sealAuditEntries, type SealRun } from './seal-audit-entries.js';
import { verifyTenantAuditTrail } from './verify-audit-trail.js';

/**
 * Sealing beside concurrent writers and sealers (ADR 0011), on PostgreSQL only: PGlite runs one
 * transaction at a time.
 */

let t: TestApp;

beforeAll(async () => {
  if (onPostgres) t = await buildTestApp();
});
afterAll(() => t?.close());

const source = (tenantId: string): AuditSource => ({
  tenantId,
  tenant: { retentionDays: 90, piiKeys: [] },
  correlationId: randomUUID(),
  actorId: null,
  ipAddress: null,
  userAgent: null,
});

/** One entry written the ordinary way, in a tenant transaction of its own unless given one. */
const writeEntry = (tenantId: string) =>
  withTenantTx({ db: t.database.db, tenantId }, (tx) =>
    recordAudit(tx, source(tenantId), {
      eventType: 'UPDATED',
      entityType: 'work_order',
      entityId: randomUUID(),
      changes: { title: { old: 'a', new: 'b' } },
    }),
  );

/** Seals the tenant until no entry is left unsealed (the last ones wait out the horizon). */
async function sealEverything(tenantId: string): Promise<void> {
  for (let tries = 0; tries < 40; tries += 1) {
    await sealAuditEntries(t.database.db, { tenantId });
    if ((await sealedCounts(t.database.db, tenantId)).unsealed === 0) return;
    await sleep(250);
  }
  throw new Error('entries were left unsealed');
}

describe.runIf(onPostgres)('sealing beside concurrent writers and sealers', () => {
  it('keeps the horizon below a writer still open, and seals its entry once it commits', async () => {
    const tenantId = await insertTenant(t.database.db);
    await insertEntries(t.database.db, tenantId, 5, { createdAt: anHourAgo() });

    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: (at: Date) => void;
    const writerStart = new Promise<Date>((resolve) => (started = resolve));
    const writer = withTenantTx({ db: t.database.db, tenantId }, async (tx) => {
      const [entryId] = await recordAudit(tx, source(tenantId), {
        eventType: 'CREATED',
        entityType: 'site',
        entityId: randomUUID(),
      });
      const { rows } = await sql<{ now: Date }>`select now()`.execute(tx);
      started(rows[0]!.now);
      await released;
      return entryId!;
    });
    const openSince = await writerStart;
    // Past the safety margin: only the open transaction keeps its entry out now.
    await sleep(1_500);

    const first = await sealAuditEntries(t.database.db, { tenantId });
    expect(first).toMatchObject({ seals: 1, entries: 5 });
    const [seal] = await sealsOf(t.database.db, tenantId);
    expect(seal!.to_created_at.getTime()).toBeLessThanOrEqual(openSince.getTime());

    release();
    const entryId = await writer;
    await sealEverything(tenantId);
    const listed = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx
        .selectFrom('audit_seal_entries')
        .select('seq')
        .where('tenant_id', '=', tenantId)
        .where('entry_id', '=', entryId)
        .execute(),
    );
    expect(listed).toEqual([{ seq: 2 }]);
    expect(await verifyTenantAuditTrail({ db: t.database.db, tenantId })).toMatchObject({
      ok: true,
      entries_checked: 6,
      unsealed_entries: 0,
    });
  });

  it('does not block a writer while a seal is in progress (no lock on audit_entries)', async () => {
    const tenantId = await insertTenant(t.database.db);
    await insertEntries(t.database.db, tenantId, 50, { createdAt: anHourAgo() });

    // Hold the sealer in the middle of its sealing statement: a SHARE lock on audit_seals makes
    // its INSERT wait, with its transaction (and every lock it takes) open.
    let unblock!: () => void;
    const unblocked = new Promise<void>((resolve) => (unblock = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const blocker = withPlatformTxBypassingRls(t.database.db, async (tx) => {
      await sql`lock table audit_seals in share mode`.execute(tx);
      locked();
      await unblocked;
    });
    await isLocked;
    let sealerDone = 0;
    const sealer = sealAuditEntries(t.database.db, { tenantId }).then((run) => {
      sealerDone = performance.now();
      return run;
    });
    let writersDone = Infinity;
    try {
      const sealerPid = await waitForSealerWaiting();

      const held = await withPlatformTxBypassingRls(t.database.db, async (tx) => {
        const { rows } = await sql<{ mode: string }>`
          select distinct mode from pg_locks
          where pid = ${sealerPid} and relation = 'audit_entries'::regclass`.execute(tx);
        return rows.map((row) => row.mode);
      });
      expect(held).toEqual(['AccessShareLock']);

      // Writers go on while the sealer's transaction is open.
      await Promise.all(Array.from({ length: 5 }, () => writeEntry(tenantId)));
      writersDone = performance.now();
      expect(sealerDone).toBe(0);
    } finally {
      // A failure above must not leave the sealer (and every later test) waiting.
      unblock();
      await blocker;
    }
    expect(await sealer).toMatchObject({ seals: 1, entries: 50 });
    expect(writersDone).toBeLessThan(sealerDone);
    await sealEverything(tenantId);
    expect(await verifyTenantAuditTrail({ db: t.database.db, tenantId })).toMatchObject({
      ok: true,
      entries_checked: 55,
    });
  });

  it('makes one unbroken chain when two sealers run at once', async () => {
    const tenantId = await insertTenant(t.database.db);
    const base = Date.now() - 3_600_000;
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        insertEntries(t.database.db, tenantId, 100, { createdAt: new Date(base + i * 1000) }),
      ),
    );
    const runs: SealRun[] = [];
    for (let round = 0; round < 3; round += 1) {
      runs.push(
        ...(await Promise.all(
          [1, 2].map(() => sealAuditEntries(t.database.db, { tenantId, maxEntriesPerSeal: 1_000 })),
        )),
      );
    }
    expect(runs.reduce((n, run) => n + run.entries, 0)).toBe(5_000);
    const seals = await sealsOf(t.database.db, tenantId);
    expect(seals.map((s) => [s.seq, s.entry_count])).toEqual(
      [1, 2, 3, 4, 5].map((seq) => [seq, 1_000]),
    );
    expect(await sealedCounts(t.database.db, tenantId)).toEqual({
      sealed: 5_000,
      unsealed: 0,
      twice: 0,
    });
    expect(await verifyTenantAuditTrail({ db: t.database.db, tenantId })).toMatchObject({
      ok: true,
      seals_checked: 5,
      entries_checked: 5_000,
    });
  });

  it('leaves no entry out of every seal while writers and two sealers run together', async () => {
    const tenantId = await insertTenant(t.database.db);
    let writing = true;
    const writers = Array.from({ length: 6 }, async () => {
      let written = 0;
      while (writing) {
        await writeEntry(tenantId);
        written += 1;
        await sleep(Math.random() * 20);
      }
      return written;
    });
    const sealers = [1, 2].map(async () => {
      while (writing) {
        await sealAuditEntries(t.database.db, { tenantId, maxEntriesPerSeal: 50 });
        await sleep(100);
      }
    });
    await sleep(3_000);
    writing = false;
    const written = (await Promise.all(writers)).reduce((n, count) => n + count, 0);
    await Promise.all(sealers);
    await sealEverything(tenantId);

    expect(written).toBeGreaterThan(50);
    expect(await sealedCounts(t.database.db, tenantId)).toEqual({
      sealed: written,
      unsealed: 0,
      twice: 0,
    });
    const report = await verifyTenantAuditTrail({ db: t.database.db, tenantId });
    expect(report).toMatchObject({ ok: true, entries_checked: written, problem_count: 0 });
  });
});

/** The pid of the sealing statement once it waits for a lock. */
async function waitForSealerWaiting(): Promise<number> {
  for (let tries = 0; tries < 200; tries += 1) {
    const pid = await withPlatformTxBypassingRls(t.database.db, async (tx) => {
      const { rows } = await sql<{ pid: number }>`
        select pid from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'
          and query like '%select seq, to_created_at, chain_hash from audit_seals%'`.execute(tx);
      return rows[0]?.pid;
    });
    if (pid) return pid;
    await sleep(25);
  }
  throw new Error('the sealer never waited for the lock');
}
