import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { withPlatformTxBypassingRls } from '../db/transactions.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let t: TestApp;
let tenant: TestTenant;
beforeAll(async () => {
  t = await buildTestApp();
  tenant = await createTenant(t);
});
afterAll(() => t.close());

const me = (headers: Record<string, string | string[]>) =>
  call(t, tenant.adminToken, { method: 'GET', url: '/api/v1/me', headers });

function auditEntriesOf(correlationId: string) {
  return withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx
      .selectFrom('audit_entries')
      .select(['tenant_id', 'event_type', 'entity_type', 'entity_id', 'correlation_id'])
      .where('correlation_id', '=', correlationId)
      .execute(),
  );
}

describe('X-Correlation-Id', () => {
  it('returns a valid X-Correlation-Id as sent', async () => {
    const id = randomUUID();
    const response = await me({ 'x-correlation-id': id });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-correlation-id']).toBe(id);
  });

  it('uses X-Request-Id when X-Correlation-Id is absent', async () => {
    const id = randomUUID();
    expect((await me({ 'x-request-id': id })).headers['x-correlation-id']).toBe(id);
  });

  it('prefers X-Correlation-Id over X-Request-Id', async () => {
    const [correlationId, requestId] = [randomUUID(), randomUUID()];
    const response = await me({ 'x-correlation-id': correlationId, 'x-request-id': requestId });
    expect(response.headers['x-correlation-id']).toBe(correlationId);
  });

  it('falls back to a valid X-Request-Id when X-Correlation-Id is invalid', async () => {
    const id = randomUUID();
    const response = await me({ 'x-correlation-id': 'abc', 'x-request-id': id });
    expect(response.headers['x-correlation-id']).toBe(id);
  });

  it.each([
    { name: 'a short word', value: 'abc' },
    { name: 'SQL text', value: "'; delete from audit_entries; --" },
    { name: 'a uuid with a suffix', value: `${randomUUID()}-extra` },
    { name: 'two uuids in one header', value: `${randomUUID()}, ${randomUUID()}` },
    { name: 'an empty value', value: '' },
  ])('replaces $name with a generated uuid', async ({ value }) => {
    const first = await me({ 'x-correlation-id': value, 'x-request-id': value });
    const second = await me({ 'x-correlation-id': value });
    for (const response of [first, second]) {
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-correlation-id']).toMatch(UUID);
      expect(response.headers['x-correlation-id']).not.toBe(value);
    }
    expect(first.headers['x-correlation-id']).not.toBe(second.headers['x-correlation-id']);
  });

  it('generates one when no header is sent, different for each request', async () => {
    const ids = new Set<unknown>();
    for (let i = 0; i < 3; i++) ids.add((await me({})).headers['x-correlation-id']);
    expect(ids.size).toBe(3);
    for (const id of ids) expect(id).toMatch(UUID);
  });

  it.each([
    { name: '401', token: null, url: '/api/v1/me', status: 401 },
    { name: '404', token: 'admin', url: '/api/v1/nothing-here', status: 404 },
    { name: '400', token: 'admin', url: '/api/v1/people/not-a-uuid', status: 400 },
  ])('is returned on a $name error too', async ({ token, url, status }) => {
    const id = randomUUID();
    const response = await call(t, token && tenant.adminToken, {
      method: 'GET',
      url,
      headers: { 'x-correlation-id': id },
    });
    expect(response.statusCode).toBe(status);
    expect(response.headers['x-correlation-id']).toBe(id);
  });
});

describe('audit entries carry the correlation id of the request that wrote them', () => {
  it('POST /api/v1/people writes one CREATED entry with the sent id', async () => {
    const id = randomUUID();
    const response = await call(t, tenant.adminToken, {
      method: 'POST',
      url: '/api/v1/people',
      headers: { 'x-correlation-id': id },
      payload: { login: 'correlated', name: 'Correlated Person' },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(await auditEntriesOf(id)).toEqual([
      {
        tenant_id: tenant.id,
        event_type: 'CREATED',
        entity_type: 'person',
        entity_id: response.data.id,
        correlation_id: id,
      },
    ]);
  });

  it('uses the generated id when the caller sent none', async () => {
    const response = await call(t, tenant.adminToken, {
      method: 'POST',
      url: '/api/v1/people',
      payload: { login: 'uncorrelated', name: 'Uncorrelated Person' },
    });
    expect(response.statusCode, response.body).toBe(201);
    const generated = response.headers['x-correlation-id'] as string;
    expect(generated).toMatch(UUID);
    const entries = await auditEntriesOf(generated);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ tenant_id: tenant.id, entity_id: response.data.id });
  });

  it('uses X-Request-Id for the audit entry when that is what was sent', async () => {
    const id = randomUUID();
    const response = await call(t, tenant.adminToken, {
      method: 'POST',
      url: '/api/v1/people',
      headers: { 'x-request-id': id },
      payload: { login: 'request-id', name: 'Request Id Person' },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect((await auditEntriesOf(id)).map((entry) => entry.entity_id)).toEqual([response.data.id]);
  });

  it('POST /api/v1/tenants writes four entries that share the id', async () => {
    const id = randomUUID();
    const response = await call(t, t.platformAdminToken, {
      method: 'POST',
      url: '/api/v1/tenants',
      headers: { 'x-correlation-id': id },
      payload: {
        name: 'Correlated Tenant',
        slug: `t-${randomUUID().slice(0, 12)}`,
        admin: { login: 'admin', name: 'Ada Admin' },
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    const body = response.data as {
      tenant: { id: string };
      admin: { id: string; role_ids: string[] };
      token: { id: string };
    };
    const entries = await auditEntriesOf(id);
    expect(entries).toHaveLength(4);
    expect(new Set(entries.map((entry) => entry.tenant_id))).toEqual(new Set([body.tenant.id]));
    expect(
      entries.map((entry) => [entry.event_type, entry.entity_type, entry.entity_id]).sort(),
    ).toEqual(
      [
        ['CREATED', 'api_token', body.token.id],
        ['CREATED', 'person', body.admin.id],
        ['CREATED', 'role', body.admin.role_ids[0]],
        ['CREATED', 'tenant', body.tenant.id],
      ].sort(),
    );
  });

  it('a PERMISSION_DENIED entry carries the id of the refused request', async () => {
    const clerk = await createPersonWith(t, tenant, ['work_orders.view']);
    const id = randomUUID();
    const response = await call(t, clerk.token, {
      method: 'POST',
      url: '/api/v1/people',
      headers: { 'x-correlation-id': id },
      payload: { login: 'not-allowed', name: 'Not Allowed' },
    });
    expect(response.statusCode, response.body).toBe(403);
    expect(await auditEntriesOf(id)).toEqual([
      expect.objectContaining({ tenant_id: tenant.id, event_type: 'PERMISSION_DENIED' }),
    ]);
  });

  it('entries of different requests do not share an id', async () => {
    const ids = [randomUUID(), randomUUID()];
    for (const [i, id] of ids.entries()) {
      const response = await call(t, tenant.adminToken, {
        method: 'POST',
        url: '/api/v1/people',
        headers: { 'x-correlation-id': id },
        payload: { login: `separate-${i}`, name: `Separate ${i}` },
      });
      expect(response.statusCode, response.body).toBe(201);
    }
    for (const id of ids) expect(await auditEntriesOf(id)).toHaveLength(1);
  });
});
