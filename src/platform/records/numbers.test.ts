import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/app.js';
import { createTenant, type TestTenant } from '../../../test/factories.js';
import { withTenantTx } from '../db/transactions.js';
import { nextNumber } from './numbers.js';

let t: TestApp;
let acme: TestTenant;
let other: TestTenant;
const FORMAT = { counter: 'work_order', prefix: 'WO-', digits: 6 };

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  other = await createTenant(t, 'Other');
});
afterAll(() => t.close());

const take = (tenant: TestTenant) =>
  withTenantTx({ db: t.database.db, tenantId: tenant.id }, (tx) =>
    nextNumber(tx, tenant.id, FORMAT),
  );

describe('per-tenant numbers', () => {
  it('counts per tenant and per kind, padded to the format', async () => {
    expect(await take(acme)).toBe('WO-000001');
    expect(await take(acme)).toBe('WO-000002');
    expect(await take(other)).toBe('WO-000001');
    const ticket = await withTenantTx({ db: t.database.db, tenantId: acme.id }, (tx) =>
      nextNumber(tx, acme.id, { counter: 'ticket', prefix: 'T', digits: 5 }),
    );
    expect(ticket).toBe('T00001');
  });

  it('gives back the number of a creation that rolled back', async () => {
    const taken = await take(acme);
    await expect(
      withTenantTx({ db: t.database.db, tenantId: acme.id }, async (tx) => {
        expect(await nextNumber(tx, acme.id, FORMAT)).not.toBe(taken);
        throw new Error('the creation failed after taking its number');
      }),
    ).rejects.toThrow('the creation failed');
    const next = await take(acme);
    expect(Number(next.slice(3))).toBe(Number(taken.slice(3)) + 1);
  });
});
