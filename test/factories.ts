import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { call, type TestApp } from './app.js';

export interface TestTenant {
  id: string;
  slug: string;
  adminId: string;
  adminToken: string;
  adminRoleId: string;
}

/** A new tenant through the API, as the platform admin would create it. */
export async function createTenant(t: TestApp, name = 'Test Facilities'): Promise<TestTenant> {
  const slug = `t-${randomUUID().slice(0, 12)}`;
  const response = await call(t, t.platformAdminToken, {
    method: 'POST',
    url: '/api/v1/tenants',
    payload: { name, slug, admin: { login: 'admin', name: 'Ada Admin', email: 'ada@example.com' } },
  });
  expect(response.statusCode, response.body).toBe(201);
  const body = response.data as {
    tenant: { id: string };
    admin: { id: string; role_ids: string[] };
    token: { token: string };
  };
  return {
    id: body.tenant.id,
    slug,
    adminId: body.admin.id,
    adminToken: body.token.token,
    adminRoleId: body.admin.role_ids[0]!,
  };
}

export interface TestPerson {
  id: string;
  token: string;
  roleId: string;
}

/** A person holding exactly `permissions` (through a role of their own), with a token. */
export async function createPersonWith(
  t: TestApp,
  tenant: TestTenant,
  permissions: string[],
): Promise<TestPerson> {
  const suffix = randomUUID().slice(0, 8);
  const role = await call(t, tenant.adminToken, {
    method: 'POST',
    url: '/api/v1/roles',
    payload: { name: `role-${suffix}`, permissions },
  });
  expect(role.statusCode, role.body).toBe(201);
  const person = await call(t, tenant.adminToken, {
    method: 'POST',
    url: '/api/v1/people',
    payload: { login: `person-${suffix}`, name: `Person ${suffix}`, role_ids: [role.data.id] },
  });
  expect(person.statusCode, person.body).toBe(201);
  const token = await call(t, tenant.adminToken, {
    method: 'POST',
    url: '/api/v1/tokens',
    payload: { person_id: person.data.id, name: 'test' },
  });
  expect(token.statusCode, token.body).toBe(201);
  return {
    id: person.data.id as string,
    token: token.data.token as string,
    roleId: role.data.id as string,
  };
}

/** A new tenant whose every write must name the version it was based on (428 otherwise). */
export async function createStrictTenant(t: TestApp): Promise<TestTenant> {
  const strict = await createTenant(t, 'Strict');
  const set = await call(t, strict.adminToken, {
    method: 'PATCH',
    url: '/api/v1/tenant',
    payload: { require_if_match: true },
  });
  expect(set.statusCode, set.body).toBe(200);
  return strict;
}
