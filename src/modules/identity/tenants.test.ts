import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../../../test/app.js';
import { createTenant } from '../../../test/factories.js';
import { withPlatformTxBypassingRls } from '../../platform/db/transactions.js';
import { ALL_PERMISSIONS } from './permissions.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

const validBody = (slug: string) => ({
  name: 'Northwind Buildings',
  slug,
  admin: { login: 'nora', name: 'Nora North', email: 'nora@northwind.example' },
});

describe('POST /api/v1/tenants', () => {
  it('creates a tenant whose admin holds every permission and can call /me', async () => {
    const tenant = await createTenant(t, 'Northwind Buildings');
    const me = await call(t, tenant.adminToken, { method: 'GET', url: '/api/v1/me' });
    expect(me.statusCode).toBe(200);
    expect(me.data.tenant).toMatchObject({
      id: tenant.id,
      name: 'Northwind Buildings',
      slug: tenant.slug,
      retention_days: 90,
    });
    expect(me.data.person).toMatchObject({ id: tenant.adminId, login: 'admin', version: 1 });
    expect(me.data.roles).toEqual([{ id: tenant.adminRoleId, name: 'admin' }]);
    expect(me.data.permissions).toEqual([...ALL_PERMISSIONS].sort());
    expect(ALL_PERMISSIONS).toHaveLength(48);
  });

  it('audits the tenant, its admin role, person and token without the secret', async () => {
    const response = await call(t, t.platformAdminToken, {
      method: 'POST',
      url: '/api/v1/tenants',
      payload: validBody(`nw-${Date.now()}`),
    });
    expect(response.statusCode).toBe(201);
    const token = (response.data.token as { token: string }).token;
    expect(token).toMatch(/^ff_[A-Za-z0-9_-]{64}$/);
    const entries = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx
        .selectFrom('audit_entries')
        .selectAll()
        .where('tenant_id', '=', (response.data.tenant as { id: string }).id)
        .orderBy('entity_type')
        .execute(),
    );
    expect(entries.map((e) => [e.event_type, e.entity_type])).toEqual([
      ['CREATED', 'api_token'],
      ['CREATED', 'person'],
      ['CREATED', 'role'],
      ['CREATED', 'tenant'],
    ]);
    expect(JSON.stringify(entries)).not.toContain(token);
    const stored = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx.selectFrom('api_tokens').select('token_hash').execute(),
    );
    expect(stored.map((row) => row.token_hash)).not.toContain(token);
  });

  it('is for the platform admin only', async () => {
    const tenant = await createTenant(t);
    const anonymous = await call(t, null, {
      method: 'POST',
      url: '/api/v1/tenants',
      payload: validBody('anon-co'),
    });
    expect(anonymous.statusCode).toBe(401);
    const asTenant = await call(t, tenant.adminToken, {
      method: 'POST',
      url: '/api/v1/tenants',
      payload: validBody('tenant-co'),
    });
    expect(asTenant.statusCode).toBe(403);
    expect(asTenant.data.error).toMatchObject({
      code: 'PERMISSION_DENIED',
      details: { required_permission: 'platform.admin' },
    });
    const denial = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx
        .selectFrom('audit_entries')
        .select(['event_type', 'actor_id'])
        .where('tenant_id', '=', tenant.id)
        .where('event_type', '=', 'PERMISSION_DENIED')
        .execute(),
    );
    expect(denial).toEqual([{ event_type: 'PERMISSION_DENIED', actor_id: tenant.adminId }]);
    const me = await call(t, t.platformAdminToken, { method: 'GET', url: '/api/v1/me' });
    expect(me.statusCode).toBe(403);
  });

  it('rejects bad input with 400 and a taken slug with 409', async () => {
    for (const payload of [
      { ...validBody('Bad Slug') },
      { ...validBody('ok-slug'), extra: true },
      { name: 'No admin', slug: 'no-admin' },
      { ...validBody('ok-slug'), admin: { login: 'x', name: 'X' } },
    ]) {
      const response = await call(t, t.platformAdminToken, {
        method: 'POST',
        url: '/api/v1/tenants',
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
    const tenant = await createTenant(t);
    const taken = await call(t, t.platformAdminToken, {
      method: 'POST',
      url: '/api/v1/tenants',
      payload: validBody(tenant.slug),
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.data).toMatchObject({ error: { code: 'CONFLICT' }, status: 409 });
  });
});

describe('PATCH /api/v1/tenants/{id}', () => {
  const patchTenant = (token: string, id: string, payload: unknown) =>
    call(t, token, { method: 'PATCH', url: `/api/v1/tenants/${id}`, payload: payload as object });

  it("sets a tenant's plan and rate-limit overrides, audited in its trail", async () => {
    const tenant = await createTenant(t);
    const response = await patchTenant(t.platformAdminToken, tenant.id, {
      plan: 'premium',
      rate_limits: { search: 250 },
      version: 1,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.data).toMatchObject({
      id: tenant.id,
      plan: 'premium',
      rate_limits: { search: 250 },
      version: 2,
    });
    expect(response.headers.etag).toBe('"2"');
    const entries = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx
        .selectFrom('audit_entries')
        .select(['event_type', 'actor_id', 'changes', 'metadata'])
        .where('tenant_id', '=', tenant.id)
        .where('entity_type', '=', 'tenant')
        .where('event_type', '=', 'UPDATED')
        .execute(),
    );
    expect(entries).toEqual([
      {
        event_type: 'UPDATED',
        actor_id: null,
        changes: {
          plan: { old: 'standard', new: 'premium' },
          rate_limits: { old: {}, new: { search: 250 } },
        },
        metadata: { actor: 'platform-admin', version: 2 },
      },
    ]);
  });

  it("gives the tenant's people the override as their search limit from the next request", async () => {
    const tenant = await createTenant(t);
    const searchLimit = async () => {
      const search = await call(t, tenant.adminToken, {
        method: 'GET',
        url: '/api/v1/search?q=boiler',
      });
      expect(search.statusCode, search.body).toBe(200);
      return search.headers['x-ratelimit-limit'];
    };
    expect(await searchLimit()).toBe('100');
    const set = await patchTenant(t.platformAdminToken, tenant.id, { rate_limits: { search: 7 } });
    expect(set.statusCode, set.body).toBe(200);
    expect(await searchLimit()).toBe('7');
    const premium = await patchTenant(t.platformAdminToken, tenant.id, {
      plan: 'premium',
      rate_limits: {},
    });
    expect(premium.statusCode, premium.body).toBe(200);
    expect(await searchLimit()).toBe('500');
  });

  it('is for the platform admin only: a tenant cannot raise its own limits', async () => {
    const tenant = await createTenant(t);
    const response = await patchTenant(tenant.adminToken, tenant.id, { plan: 'premium' });
    expect(response.statusCode).toBe(403);
    expect(response.data.error).toMatchObject({
      code: 'PERMISSION_DENIED',
      details: { required_permission: 'platform.admin' },
    });
    const row = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx.selectFrom('tenants').select('plan').where('id', '=', tenant.id).executeTakeFirstOrThrow(),
    );
    expect(row.plan).toBe('standard');
  });

  it('answers 404 to an unknown tenant, 409 to a stale version and 400 to bad input', async () => {
    const tenant = await createTenant(t);
    const unknown = await patchTenant(
      t.platformAdminToken,
      '00000000-0000-4000-8000-000000000000',
      { plan: 'premium' },
    );
    expect(unknown.statusCode).toBe(404);
    const stale = await patchTenant(t.platformAdminToken, tenant.id, {
      plan: 'premium',
      version: 5,
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.data.error).toMatchObject({ code: 'CONCURRENCY_ERROR', current_version: 1 });
    for (const payload of [
      {},
      { plan: 'gold' },
      { rate_limits: { search: 0 } },
      { rate_limits: { exports: 10 } },
      { rate_limits: { search: 'many' } },
      { name: 'Renamed' },
    ]) {
      const response = await patchTenant(t.platformAdminToken, tenant.id, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
    const notAnId = await patchTenant(t.platformAdminToken, 'not-an-id', { plan: 'premium' });
    expect(notAnId.statusCode).toBe(400);
  });
});
