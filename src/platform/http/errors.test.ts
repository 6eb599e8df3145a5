import { randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type InjectOptions, type LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { withPlatformTxBypassingRls } from '../db/transactions.js';
import { registerErrorHandling } from './error-handler.js';

let t: TestApp;
let tenant: TestTenant;
beforeAll(async () => {
  t = await buildTestApp();
  tenant = await createTenant(t);
});
afterAll(() => t.close());

const STACK_FRAME = /\bat \S+ \(|\bat (file:|node:|\/)|\.(ts|js|mjs):\d+:\d+/;
const SQL_TEXT =
  /\bselect\b[\s\S]*\bfrom\b|\binsert\s+into\b|\bdelete\s+from\b|\bupdate\s+\S+\s+set\b|\brelation\s+"|\bviolates\b|\bsyntax error at\b/i;

function expectErrorEnvelope(response: LightMyRequestResponse, status: number, code: string) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json() as { error: Record<string, unknown>; status: number };
  expect(Object.keys(body).sort()).toEqual(['error', 'status']);
  expect(body.status).toBe(status);
  expect(body.error.code).toBe(code);
  expect(body.error.message).toEqual(expect.any(String));
  expect((body.error.message as string).length).toBeGreaterThan(0);
  for (const key of Object.keys(body.error)) expect(['code', 'message', 'details']).toContain(key);
  expect(response.body).not.toMatch(/"stack"/);
  expect(response.body).not.toMatch(STACK_FRAME);
  expect(response.body).not.toMatch(SQL_TEXT);
  expect(response.body).not.toContain('node_modules');
  return body;
}

const validationErrors = (body: { error: Record<string, unknown> }) =>
  (body.error.details as { errors: { path: string }[] }).errors.map((error) => error.path);

async function peopleNamed(login: string): Promise<number> {
  const rows = await withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx
      .selectFrom('people')
      .select('id')
      .where('tenant_id', '=', tenant.id)
      .where('login', '=', login)
      .execute(),
  );
  return rows.length;
}

describe('400 VALIDATION_ERROR for requests the server cannot accept', () => {
  const cases: {
    name: string;
    request: () => InjectOptions;
    invalidPath?: string;
    asPlatformAdmin?: boolean;
  }[] = [
    {
      name: 'malformed JSON',
      request: () => ({
        method: 'POST',
        url: '/api/v1/people',
        headers: { 'content-type': 'application/json' },
        payload: '{"login": "broken-json", "name": ',
      }),
    },
    {
      name: 'JSON with a __proto__ key',
      request: () => ({
        method: 'POST',
        url: '/api/v1/people',
        headers: { 'content-type': 'application/json' },
        payload: '{"login": "proto", "name": "Proto", "__proto__": {"is_admin": true}}',
      }),
    },
    {
      name: 'a string where the version integer belongs',
      request: () => ({
        method: 'PATCH',
        url: `/api/v1/people/${tenant.adminId}`,
        payload: { name: 'Renamed', version: '2' },
      }),
      invalidPath: '/version',
    },
    {
      name: 'a number where the login string belongs',
      request: () => ({
        method: 'POST',
        url: '/api/v1/people',
        payload: { login: 5, name: 'Numeric Login' },
      }),
      invalidPath: '/login',
    },
    {
      name: 'an e-mail that is not one',
      request: () => ({
        method: 'POST',
        url: '/api/v1/people',
        payload: { login: 'bad-email', name: 'Bad Email', email: 'not-an-address' },
      }),
      invalidPath: '/email',
    },
    {
      name: 'an unknown body field',
      request: () => ({
        method: 'POST',
        url: '/api/v1/people',
        payload: { login: 'unknown-field', name: 'Unknown Field', shoe_size: 44 },
      }),
    },
    {
      name: 'a server-owned field',
      request: () => ({
        method: 'PATCH',
        url: `/api/v1/people/${tenant.adminId}`,
        payload: { name: 'Renamed', tenant_id: tenant.id },
      }),
    },
    {
      name: 'an unknown field in a nested object',
      asPlatformAdmin: true,
      request: () => ({
        method: 'POST',
        url: '/api/v1/tenants',
        payload: {
          name: 'Nested Unknown',
          slug: `t-${randomUUID().slice(0, 12)}`,
          admin: { login: 'admin', name: 'Ada Admin', is_superuser: true },
        },
      }),
    },
    {
      name: 'a body over 1 MiB',
      request: () => ({
        method: 'POST',
        url: '/api/v1/people',
        payload: { login: 'huge-body', name: 'x'.repeat(1024 * 1024 + 1) },
      }),
    },
    {
      name: 'a content type the server does not parse',
      request: () => ({
        method: 'POST',
        url: '/api/v1/people',
        headers: { 'content-type': 'application/xml' },
        payload: '<person><login>xml</login></person>',
      }),
    },
    {
      name: 'a path id that is not a uuid (GET)',
      request: () => ({ method: 'GET', url: '/api/v1/people/not-a-uuid' }),
      invalidPath: '/id',
    },
    {
      name: 'a path id that is not a uuid (PATCH)',
      request: () => ({
        method: 'PATCH',
        url: '/api/v1/people/12345',
        payload: { name: 'Renamed' },
      }),
      invalidPath: '/id',
    },
    {
      name: 'a query parameter of the wrong type',
      request: () => ({ method: 'GET', url: '/api/v1/people?page_size=lots' }),
      invalidPath: '/page_size',
    },
  ];

  it.each(cases)('$name', async ({ request, invalidPath, asPlatformAdmin }) => {
    const token = asPlatformAdmin ? t.platformAdminToken : tenant.adminToken;
    const response = await call(t, token, request());
    const body = expectErrorEnvelope(response, 400, 'VALIDATION_ERROR');
    if (invalidPath) expect(validationErrors(body)).toContain(invalidPath);
  });

  it('stores nothing for a rejected body', async () => {
    await call(t, tenant.adminToken, {
      method: 'POST',
      url: '/api/v1/people',
      payload: { login: 'rejected-login', name: 'Rejected', shoe_size: 44 },
    });
    expect(await peopleNamed('rejected-login')).toBe(0);
  });

  it('leaves a person unchanged when the version has the wrong type', async () => {
    await call(t, tenant.adminToken, {
      method: 'PATCH',
      url: `/api/v1/people/${tenant.adminId}`,
      payload: { name: 'Should Not Stick', version: '1' },
    });
    const me = await call(t, tenant.adminToken, { method: 'GET', url: '/api/v1/me' });
    expect(me.data.person).toMatchObject({ name: 'Ada Admin', version: 1 });
  });
});

describe('404 ROUTE_NOT_FOUND', () => {
  it.each([
    { method: 'GET' as const, url: '/no-such-route' },
    { method: 'GET' as const, url: '/api/v1/no-such-thing?x=1' },
    { method: 'PUT' as const, url: '/api/v1/me' },
  ])('$method $url', async ({ method, url }) => {
    const response = await call(t, tenant.adminToken, { method, url });
    const body = expectErrorEnvelope(response, 404, 'ROUTE_NOT_FOUND');
    expect(body.error.message).not.toContain('x=1');
  });
});

describe('401 UNAUTHENTICATED', () => {
  const wellFormedUnknown = () =>
    'ff_' +
    Buffer.concat([Buffer.from(tenant.id.replaceAll('-', ''), 'hex'), randomBytes(32)]).toString(
      'base64url',
    );
  const tampered = () =>
    tenant.adminToken.slice(0, -2) + (tenant.adminToken.endsWith('AA') ? 'BB' : 'AA');

  it.each([
    { name: 'no Authorization header', authorization: () => undefined },
    { name: 'an empty bearer', authorization: () => 'Bearer ' },
    { name: 'another scheme', authorization: () => `Basic ${tenant.adminToken}` },
    { name: 'garbage', authorization: () => 'Bearer garbage' },
    { name: 'a prefixed token too short', authorization: () => 'Bearer ff_abc' },
    { name: 'a well-formed unknown token', authorization: () => `Bearer ${wellFormedUnknown()}` },
    { name: 'a tampered token', authorization: () => `Bearer ${tampered()}` },
    { name: 'two tokens', authorization: () => `Bearer ${tenant.adminToken} extra` },
  ])('$name', async ({ authorization }) => {
    const value = authorization();
    const response = await call(t, null, {
      method: 'GET',
      url: '/api/v1/me',
      headers: value === undefined ? {} : { authorization: value },
    });
    expectErrorEnvelope(response, 401, 'UNAUTHENTICATED');
  });

  it.each([
    { name: 'deleted', retire: { method: 'DELETE' as const } },
    {
      name: 'deactivated',
      retire: { method: 'PATCH' as const, payload: { is_active: false } },
    },
  ])('the token of a $name person', async ({ retire }) => {
    const person = await createPersonWith(t, tenant, ['work_orders.view']);
    expect((await call(t, person.token, { method: 'GET', url: '/api/v1/me' })).statusCode).toBe(
      200,
    );
    const retired = await call(t, tenant.adminToken, {
      ...retire,
      url: `/api/v1/people/${person.id}`,
    });
    expect(retired.statusCode, retired.body).toBeLessThan(300);
    expectErrorEnvelope(
      await call(t, person.token, { method: 'GET', url: '/api/v1/me' }),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('a revoked token', async () => {
    const issued = await call(t, tenant.adminToken, {
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { person_id: tenant.adminId, name: 'to revoke' },
    });
    expect(issued.statusCode, issued.body).toBe(201);
    const token = issued.data.token as string;
    expect((await call(t, token, { method: 'GET', url: '/api/v1/me' })).statusCode).toBe(200);
    const revoked = await call(t, token, {
      method: 'DELETE',
      url: `/api/v1/tokens/${issued.data.id as string}`,
    });
    expect(revoked.statusCode, revoked.body).toBe(204);
    expectErrorEnvelope(
      await call(t, token, { method: 'GET', url: '/api/v1/me' }),
      401,
      'UNAUTHENTICATED',
    );
  });
});

describe('the error translator', () => {
  const app = Fastify({ logger: false });
  registerErrorHandling(app, new Registry());
  app.get('/internal', async () => {
    throw new Error('select secret from vault where id = 1 failed at /srv/app/secret.ts:12:3');
  });
  app.get('/sql', async () => sql`select * from no_such_table_here`.execute(t.database.db));
  app.get('/unique', async () =>
    withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx
        .insertInto('tenants')
        .values({ id: randomUUID(), name: 'Duplicate', slug: tenant.slug })
        .execute(),
    ),
  );
  afterAll(() => app.close());

  it.each(['/internal', '/sql'])('turns %s into a bare 500 INTERNAL_ERROR', async (url) => {
    const body = expectErrorEnvelope(await app.inject({ url }), 500, 'INTERNAL_ERROR');
    expect(body.error).toEqual({ code: 'INTERNAL_ERROR', message: 'An unexpected error occurred' });
    expect(JSON.stringify(body)).not.toMatch(/secret|vault|no_such_table/);
  });

  it('turns a unique violation into 409 CONFLICT without the constraint text', async () => {
    const body = expectErrorEnvelope(await app.inject({ url: '/unique' }), 409, 'CONFLICT');
    expect(JSON.stringify(body)).not.toMatch(/tenants_unique_slug|duplicate key/);
    expect(body.error.details).toEqual({ field: 'slug' });
  });
});

describe('input PostgreSQL or the router cannot take', () => {
  it('answers NUL characters in text with 400, in a body and in a query string', async () => {
    const body = await call(t, tenant.adminToken, {
      method: 'POST',
      url: '/api/v1/people',
      payload: { login: 'nul.byte', name: 'x\u0000y' },
    });
    expectErrorEnvelope(body, 400, 'VALIDATION_ERROR');
    const query = await call(t, tenant.adminToken, { method: 'GET', url: '/api/v1/people?q=%00' });
    expectErrorEnvelope(query, 400, 'VALIDATION_ERROR');
  });

  it('answers a malformed URL with the envelope and a correlation id', async () => {
    const response = await call(t, tenant.adminToken, { method: 'GET', url: '/api/v1/people/%zz' });
    expectErrorEnvelope(response, 400, 'VALIDATION_ERROR');
    expect(response.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
