import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, onPostgres, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { withPlatformTxBypassingRls } from '../../platform/db/transactions.js';

let t: TestApp;
let acme: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  other = await createTenant(t, 'Other');
});
afterAll(() => t.close());

const auditOf = (entityId: string) =>
  withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx
      .selectFrom('audit_entries')
      .selectAll()
      .where('entity_id', '=', entityId)
      .orderBy('created_at')
      .execute(),
  );

async function newPerson(tenant: TestTenant, payload: Record<string, unknown> = {}) {
  const response = await call(t, tenant.adminToken, {
    method: 'POST',
    url: '/api/v1/people',
    payload: { login: `p${Math.random().toString(36).slice(2, 10)}`, name: 'Pat Doe', ...payload },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.data as { id: string; version: number; login: string };
}

describe('people', () => {
  it('creates, reads, updates and soft-deletes a person, auditing each write', async () => {
    const created = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/people',
      payload: {
        login: 'maria.lopez',
        name: 'Maria Lopez',
        email: 'maria@example.com',
        phone: '+1 555 123 4567',
        role_ids: [acme.adminRoleId],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.data.id as string;
    expect(created.data).toMatchObject({
      tenant_id: acme.id,
      login: 'maria.lopez',
      email: 'maria@example.com',
      role_ids: [acme.adminRoleId],
      is_active: true,
      version: 1,
      created_by: acme.adminId,
    });

    const read = await call(t, acme.adminToken, { method: 'GET', url: `/api/v1/people/${id}` });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"1"');

    const patched = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/people/${id}`,
      payload: { name: 'María López', role_ids: [], version: 1 },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.data).toMatchObject({ name: 'María López', role_ids: [], version: 2 });
    expect(patched.headers.etag).toBe('"2"');

    const deleted = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/people/${id}`,
    });
    expect(deleted.statusCode).toBe(204);
    const gone = await call(t, acme.adminToken, { method: 'GET', url: `/api/v1/people/${id}` });
    expect(gone.statusCode).toBe(404);
    expect(gone.data.error).toMatchObject({ code: 'ENTITY_NOT_FOUND' });

    const audit = await auditOf(id);
    expect(audit.map((entry) => entry.event_type)).toEqual(['CREATED', 'UPDATED', 'DELETED']);
    expect(audit[1]!.changes).toEqual({
      name: { old: 'Maria Lopez', new: 'María López' },
      role_ids: { old: [acme.adminRoleId], new: [] },
    });
    expect(audit[0]!.changes).toMatchObject({
      email: { old: null, new: '[REDACTED]' },
      phone: { old: null, new: '[REDACTED]' },
    });
  });

  it('lists people with filters and pagination', async () => {
    const tenant = await createTenant(t);
    for (const name of ['Zed Zulu', 'Amy Alpha', 'Bob Bravo']) await newPerson(tenant, { name });
    const page = await call(t, tenant.adminToken, {
      method: 'GET',
      url: '/api/v1/people?page_size=2&page=1',
    });
    expect(page.statusCode).toBe(200);
    expect((page.data.data as { name: string }[]).map((p) => p.name)).toEqual([
      'Ada Admin',
      'Amy Alpha',
    ]);
    expect(page.data.pagination).toMatchObject({ total_count: 4, total_pages: 2, has_next: true });
    const search = await call(t, tenant.adminToken, {
      method: 'GET',
      url: '/api/v1/people?q=bravo',
    });
    expect((search.data.data as { name: string }[]).map((p) => p.name)).toEqual(['Bob Bravo']);
    const bad = await call(t, tenant.adminToken, {
      method: 'GET',
      url: '/api/v1/people?page_size=500',
    });
    expect(bad.statusCode).toBe(400);
    const last = await call(t, tenant.adminToken, { method: 'GET', url: '/api/v1/people?page=40' });
    expect(last.statusCode).toBe(200);
    const deep = await call(t, tenant.adminToken, { method: 'GET', url: '/api/v1/people?page=41' });
    expect(deep.statusCode).toBe(400);
    expect(deep.data.error).toMatchObject({ code: 'CURSOR_REQUIRED' });
  });

  it("treats another tenant's person as missing: 404 on read, update and delete", async () => {
    const theirs = await newPerson(other);
    for (const [method, payload] of [
      ['GET', undefined],
      ['PATCH', { name: 'Hijacked' }],
      ['DELETE', undefined],
    ] as const) {
      const response = await call(t, acme.adminToken, {
        method,
        url: `/api/v1/people/${theirs.id}`,
        ...(payload ? { payload } : {}),
      });
      expect(response.statusCode, `${method} ${response.body}`).toBe(404);
      expect(response.data.error).toMatchObject({ code: 'ENTITY_NOT_FOUND' });
    }
    const still = await call(t, other.adminToken, {
      method: 'GET',
      url: `/api/v1/people/${theirs.id}`,
    });
    expect(still.data).toMatchObject({ name: 'Pat Doe', version: 1 });
  });

  it("refuses references to another tenant's roles and sites", async () => {
    const foreignRole = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/people',
      payload: { login: 'x.role', name: 'X', role_ids: [other.adminRoleId] },
    });
    expect(foreignRole.statusCode).toBe(400);
    const foreignSite = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/people',
      payload: { login: 'x.site', name: 'X', site_id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(foreignSite.statusCode).toBe(400);
    const count = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx
        .selectFrom('people')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('tenant_id', '=', acme.id)
        .where('login', 'in', ['x.role', 'x.site'])
        .executeTakeFirstOrThrow(),
    );
    expect(count.n).toBe(0);
  });

  it('rejects bad input with 400 and duplicate logins with 409', async () => {
    const cases: Record<string, unknown>[] = [
      { login: 'a b', name: 'Spaces' },
      { login: 'ok.login', name: '' },
      { login: 'ok.login', name: 'N', email: 'not-an-email' },
      { login: 'ok.login', name: 'N', unknown_field: 1 },
      { login: 'ok.login', name: 'N', role_ids: ['not-a-uuid'] },
      { name: 'No login' },
    ];
    for (const payload of cases) {
      const response = await call(t, acme.adminToken, {
        method: 'POST',
        url: '/api/v1/people',
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    const first = await newPerson(acme);
    const duplicate = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/people',
      payload: { login: first.login.toUpperCase(), name: 'Twin' },
    });
    expect(duplicate.statusCode).toBe(409);
  });

  it('answers a stale body version with 409 and a stale If-Match with 412', async () => {
    const person = await newPerson(acme);
    const ok = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/people/${person.id}`,
      headers: { 'if-match': '"1"' },
      payload: { name: 'First' },
    });
    expect(ok.statusCode).toBe(200);
    const stale = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/people/${person.id}`,
      payload: { name: 'Second', version: 1 },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.data).toEqual({
      error: {
        code: 'CONCURRENCY_ERROR',
        message: 'This record was modified by another user',
        current_version: 2,
        your_version: 1,
        retry_instructions: 'Please refresh and try again',
      },
      status: 409,
    });
    const staleHeader = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/people/${person.id}`,
      headers: { 'if-match': '"1"' },
      payload: { name: 'Third' },
    });
    expect(staleHeader.statusCode).toBe(412);
    expect(staleHeader.data).toMatchObject({ error: { code: 'CONCURRENCY_ERROR' }, status: 412 });
    const audit = await auditOf(person.id);
    expect(audit.filter((entry) => entry.event_type === 'UPDATED')).toHaveLength(1);
  });

  it('requires people.manage to write, and lets any member read', async () => {
    const viewer = await createPersonWith(t, acme, ['work_orders.view']);
    const denied = await call(t, viewer.token, {
      method: 'POST',
      url: '/api/v1/people',
      payload: { login: 'nope', name: 'Nope' },
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.data.error).toMatchObject({
      code: 'PERMISSION_DENIED',
      details: { required_permission: 'people.manage' },
    });
    const list = await call(t, viewer.token, { method: 'GET', url: '/api/v1/people' });
    expect(list.statusCode).toBe(200);
  });

  it.runIf(onPostgres)('lets exactly one of 20 concurrent PATCHes on one version win', async () => {
    const person = await newPerson(acme);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(t, acme.adminToken, {
          method: 'PATCH',
          url: `/api/v1/people/${person.id}`,
          payload: { name: `Writer ${i}`, version: 1 },
        }),
      ),
    );
    const statuses = responses.map((response) => response.statusCode).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(19);
    for (const response of responses.filter((r) => r.statusCode === 409)) {
      expect(response.data.error).toMatchObject({ current_version: 2, your_version: 1 });
    }
    const { rows } = await sql<{
      version: number;
    }>`select version from people where id = ${person.id}`.execute(t.database.db);
    expect(rows[0]!.version).toBe(2);
    const audit = await auditOf(person.id);
    expect(audit.filter((entry) => entry.event_type === 'UPDATED')).toHaveLength(1);
  });
});
