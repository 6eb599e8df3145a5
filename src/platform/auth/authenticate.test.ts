import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/app.js';
import { createTenant, type TestTenant } from '../../../test/factories.js';
import { authenticate } from './authenticate.js';
import { hashToken } from './tokens.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  t = await buildTestApp();
  a = await createTenant(t, 'A');
  b = await createTenant(t, 'B');
});
afterAll(() => t.close());

describe('token lookup', () => {
  it('resolves a token to its person, tenant settings and permissions', async () => {
    const principal = await authenticate(t.database.db, b.adminToken, undefined);
    expect(principal).toMatchObject({
      kind: 'person',
      tenantId: b.id,
      personId: b.adminId,
      tenant: { retentionDays: 90, requireIfMatch: false },
    });
    expect(principal?.kind === 'person' && principal.permissions.has('tenant.admin')).toBe(true);
  });

  it("runs in the token's tenant scope as the row-level-security role", async () => {
    const seen = await t.database.db.transaction().execute(async (tx) => {
      const found = await sql<{ person_id: string }>`
        select person_id from authenticate_token(${b.id}, ${hashToken(b.adminToken)})`.execute(tx);
      // Inside an explicit transaction the function's settings last until it ends: look at them.
      const { rows } = await sql<{ role: string; tenant: string }>`
        select current_user as role, current_setting('app.tenant_id') as tenant`.execute(tx);
      return { found: found.rows, ...rows[0]! };
    });
    expect(seen).toEqual({
      found: [{ person_id: b.adminId }],
      role: 'facilityflow_app',
      tenant: b.id,
    });
  });

  it("finds nothing for a token hash under another tenant's id", async () => {
    const { rows } = await sql`
      select * from authenticate_token(${a.id}, ${hashToken(b.adminToken)})`.execute(t.database.db);
    expect(rows).toEqual([]);
  });

  it('leaves its connection as it found it', async () => {
    const after = await t.database.db.connection().execute(async (connection) => {
      const { rows: found } = await sql`
        select * from authenticate_token(${a.id}, ${hashToken(a.adminToken)})`.execute(connection);
      expect(found).toHaveLength(1);
      const { rows } = await sql<{ role: string; tenant: string | null }>`
        select current_user as role,
               nullif(current_setting('app.tenant_id', true), '') as tenant`.execute(connection);
      return rows[0]!;
    });
    expect(after.role).not.toBe('facilityflow_app');
    expect(after.tenant).toBeNull();
  });

  it('refuses to run inside a transaction', async () => {
    await expect(
      t.database.db.transaction().execute((tx) => authenticate(tx, a.adminToken, undefined)),
    ).rejects.toThrow('outside any transaction');
  });
});
