import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../../../test/app.js';
import { createTenant } from '../../../test/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

describe('POST /api/v1/tenants', () => {
  it('creates a tenant whose admin holds every permission and can call /me', async () => {
    const tenant = await createTenant(t, 'Northwind Buildings');
    const me = await call(t, tenant.adminToken, { method: 'GET', url: '/api/v1/me' });
    expect(me.statusCode).toBe(200);
    expect(me.data.tenant).toMatchObject({
      id: tenant.id,
      name: 'Northwind Buildings',
      slug: tenant.slug,
    });
    expect(me.data.person).toMatchObject({ id: tenant.adminId, login: 'admin', version: 1 });
    expect(me.data.roles).toEqual([{ id: tenant.adminRoleId, name: 'admin' }]);
    expect(me.data.permissions).toContain('work_orders.approve');
    expect(me.data.permissions).toContain('tenant.admin');
    expect(me.data.permissions).toHaveLength(48);
  });
});
