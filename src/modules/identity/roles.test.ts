import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';

let t: TestApp;
let acme: TestTenant;
let other: TestTenant;
beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t);
  other = await createTenant(t);
});
afterAll(() => t.close());

describe('roles', () => {
  it('creates, lists and updates roles; permissions take effect on the next request', async () => {
    const created = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/roles',
      payload: { name: 'dispatcher', permissions: ['work_orders.view', 'work_orders.assign'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.data).toMatchObject({
      name: 'dispatcher',
      permissions: ['work_orders.assign', 'work_orders.view'],
      version: 1,
      tenant_id: acme.id,
    });
    const list = await call(t, acme.adminToken, { method: 'GET', url: '/api/v1/roles' });
    expect((list.data.data as { name: string }[]).map((role) => role.name)).toEqual([
      'admin',
      'dispatcher',
    ]);

    const person = await createPersonWith(t, acme, ['work_orders.view']);
    const before = await call(t, person.token, { method: 'GET', url: '/api/v1/me' });
    expect(before.data.permissions).toEqual(['work_orders.view']);
    const updated = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/roles/${person.roleId}`,
      headers: { 'if-match': '"1"' },
      payload: { permissions: ['people.manage', 'work_orders.view'] },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.headers.etag).toBe('"2"');
    const after = await call(t, person.token, { method: 'GET', url: '/api/v1/me' });
    expect(after.data.permissions).toEqual(['people.manage', 'work_orders.view']);
  });

  it('rejects unknown permissions, unknown fields, duplicates and stale versions', async () => {
    const unknown = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/roles',
      payload: { name: 'bad', permissions: ['work_orders.fly'] },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.data.error).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { unknown_permissions: ['work_orders.fly'] },
    });
    const extra = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/roles',
      payload: { name: 'bad', permissions: [], colour: 'red' },
    });
    expect(extra.statusCode).toBe(400);
    const duplicate = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/roles',
      payload: { name: 'admin', permissions: [] },
    });
    expect(duplicate.statusCode).toBe(409);
    const stale = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/roles/${acme.adminRoleId}`,
      payload: { description: 'x', version: 7 },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.data.error).toMatchObject({ current_version: 1, your_version: 7 });
  });

  it("needs tenant.admin, and hides another tenant's roles", async () => {
    const manager = await createPersonWith(t, acme, ['people.manage']);
    const denied = await call(t, manager.token, { method: 'GET', url: '/api/v1/roles' });
    expect(denied.statusCode).toBe(403);
    expect(denied.data.error).toMatchObject({ details: { required_permission: 'tenant.admin' } });
    const foreign = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/roles/${other.adminRoleId}`,
      payload: { permissions: [] },
    });
    expect(foreign.statusCode).toBe(404);
    const theirs = await call(t, other.adminToken, { method: 'GET', url: '/api/v1/me' });
    expect(theirs.data.permissions).toContain('tenant.admin');
  });
});
