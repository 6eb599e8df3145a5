import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/app.js';
import { createTenant, type TestTenant } from '../../../test/factories.js';
import {
  noteChange,
  onCommit,
  withPlatformTxBypassingRls,
  withTenantTx,
  type CommittedChanges,
} from './transactions.js';

let t: TestApp;
let acme: TestTenant;

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
});
afterAll(() => t.close());

const siteCount = async () => {
  const { rows } = await withPlatformTxBypassingRls(t.database.db, (tx) =>
    sql<{ n: number }>`select count(*)::int as n from sites where tenant_id = ${acme.id}`.execute(
      tx,
    ),
  );
  return rows[0]!.n;
};

describe('commit listeners', () => {
  it('hear what a transaction changed only once it has committed', async () => {
    const heard: { changes: CommittedChanges; sitesThen: number }[] = [];
    const stop = onCommit(t.database.db, async (changes) => {
      // Reading through another transaction: it sees the commit (and on PGlite's single
      // connection it could not run at all before the transaction let go).
      heard.push({ changes, sitesThen: await siteCount() });
    });
    try {
      const before = await siteCount();
      await withTenantTx({ db: t.database.db, tenantId: acme.id }, async (tx) => {
        await sql`insert into sites (tenant_id, code, name) values (${acme.id}, 'C1', 'One')`.execute(
          tx,
        );
        noteChange(tx, acme.id, 'site');
        noteChange(tx, acme.id, 'site');
        noteChange(tx, acme.id, 'asset');
      });
      expect(heard).toHaveLength(1);
      expect(heard[0]!.sitesThen).toBe(before + 1);
      expect([...heard[0]!.changes]).toEqual([[acme.id, new Set(['site', 'asset'])]]);

      await expect(
        withTenantTx({ db: t.database.db, tenantId: acme.id }, async (tx) => {
          noteChange(tx, acme.id, 'site');
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      await withTenantTx({ db: t.database.db, tenantId: acme.id }, async () => {});
      expect(heard).toHaveLength(1);
    } finally {
      stop();
    }
  });

  it('are told of every audited write, and a failing listener does not fail the write', async () => {
    const heard: string[] = [];
    const stopFailing = onCommit(t.database.db, () => Promise.reject(new Error('Redis down')));
    const stop = onCommit(t.database.db, async (changes) => {
      heard.push(...(changes.get(acme.id) ?? []));
    });
    try {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/vendors',
        headers: { authorization: `Bearer ${acme.adminToken}` },
        payload: { code: 'V-1', name: 'Vendor' },
      });
      expect(response.statusCode).toBe(201);
      expect(heard).toEqual(['vendor']);
    } finally {
      stop();
      stopFailing();
    }
  });
});
