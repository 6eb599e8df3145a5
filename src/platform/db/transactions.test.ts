import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, onPostgres, type TestApp } from '../../../test/app.js';
import { createTenant, type TestTenant } from '../../../test/factories.js';
import { openDatabase } from './database.js';
import { withPlatformTxBypassingRls, withTenantTx } from './transactions.js';

let t: TestApp;
let acme: TestTenant;
let other: TestTenant;
beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t);
  other = await createTenant(t);
});
afterAll(() => t.close());

const roleNames = (tenant: TestTenant) =>
  withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx.selectFrom('roles').select('name').where('tenant_id', '=', tenant.id).execute(),
  );

describe('withTenantTx', () => {
  it('commits what the work wrote and rolls back what a failing work wrote', async () => {
    const scope = { db: t.database.db, tenantId: acme.id };
    const insertRole = (name: string) =>
      withTenantTx(scope, (tx) =>
        tx.insertInto('roles').values({ tenant_id: acme.id, name, permissions: [] }).execute(),
      );
    await insertRole('kept');
    await expect(
      withTenantTx(scope, async (tx) => {
        await tx
          .insertInto('roles')
          .values({ tenant_id: acme.id, name: 'lost', permissions: [] })
          .execute();
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    const names = (await roleNames(acme)).map((role) => role.name);
    expect(names).toContain('kept');
    expect(names).not.toContain('lost');
  });

  it('fails, and keeps nothing, when the work swallowed a failed statement', async () => {
    const scope = { db: t.database.db, tenantId: acme.id };
    await expect(
      withTenantTx(scope, async (tx) => {
        await tx
          .insertInto('roles')
          .values({ tenant_id: acme.id, name: 'swallowed', permissions: [] })
          .execute();
        await sql`select 1 / 0`.execute(tx).catch(() => {});
        return 'looks fine';
      }),
    ).rejects.toThrow('rolled back');
    expect((await roleNames(acme)).map((role) => role.name)).not.toContain('swallowed');
    // The connection is usable again.
    expect(await withTenantTx(scope, async () => 'next')).toBe('next');
  });

  it("sees only its tenant's rows, through the same prepared statements for every tenant", async () => {
    const namesIn = (tenant: TestTenant) =>
      withTenantTx({ db: t.database.db, tenantId: tenant.id }, async (tx) =>
        (
          await tx.selectFrom('roles').select(['tenant_id']).where('name', '=', 'admin').execute()
        ).map((row) => row.tenant_id),
      );
    for (const tenant of [acme, other, acme, other]) {
      expect(await namesIn(tenant)).toEqual([tenant.id]);
    }
  });

  it('refuses a tenant id that is not a uuid before it reaches the SQL text', () => {
    expect(() =>
      withTenantTx({ db: t.database.db, tenantId: "x'; drop table roles; --" }, async () => 1),
    ).toThrow('uuid');
  });
});

describe.runIf(onPostgres)('pooled connections (PostgreSQL)', () => {
  it('never hands out a connection left inside a transaction', async () => {
    const database = await openDatabase({
      kind: 'postgres',
      url: process.env.DATABASE_URL!,
      poolSize: 1,
    });
    try {
      const pid = async () =>
        (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.db)).rows[0]!
          .pid;
      const first = await pid();
      await database.db.connection().execute((connection) => sql`begin`.execute(connection));
      const second = await pid();
      // The connection left in BEGIN was discarded: the next query runs on a new session.
      expect(second).not.toBe(first);
    } finally {
      await database.close();
    }
  });
});
