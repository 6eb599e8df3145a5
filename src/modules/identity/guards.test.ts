import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { withPlatformTxBypassingRls } from '../../platform/db/transactions.js';

let t: TestApp;
let acme: TestTenant;
beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t);
});
afterAll(() => t.close());

const denialsOf = (actorId: string) =>
  withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx
      .selectFrom('audit_entries as a')
      .where('a.permission_denial', 'is not', null)
      .select([
        sql<string>`a.permission_denial->>'required_permission'`.as('required_permission'),
        sql<string>`a.permission_denial->>'action_attempted'`.as('action_attempted'),
      ])
      .where('a.actor_id', '=', actorId)
      .orderBy('a.created_at')
      .execute(),
  );

describe('privilege guards', () => {
  it('lets only a tenant admin hand out roles, on create and on update', async () => {
    const hr = await createPersonWith(t, acme, ['people.manage']);
    const promote = await call(t, hr.token, {
      method: 'PATCH',
      url: `/api/v1/people/${hr.id}`,
      payload: { role_ids: [acme.adminRoleId] },
    });
    expect(promote.statusCode).toBe(403);
    expect(promote.data.error).toMatchObject({ details: { required_permission: 'tenant.admin' } });
    const hire = await call(t, hr.token, {
      method: 'POST',
      url: '/api/v1/people',
      payload: { login: 'crony', name: 'Crony', role_ids: [acme.adminRoleId] },
    });
    expect(hire.statusCode).toBe(403);
    const me = await call(t, hr.token, { method: 'GET', url: '/api/v1/me' });
    expect(me.data.permissions).toEqual(['people.manage']);
    const plain = await call(t, hr.token, {
      method: 'POST',
      url: '/api/v1/people',
      payload: { login: 'plain.hire', name: 'Plain Hire' },
    });
    expect(plain.statusCode).toBe(201);
  });

  it('does not let a token issue itself a longer-lived one', async () => {
    const person = await createPersonWith(t, acme, ['tasks.view']);
    const inAnHour = new Date(Date.now() + 3600_000).toISOString();
    const short = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { person_id: person.id, name: 'short', expires_at: inAnHour },
    });
    expect(short.statusCode).toBe(201);
    const shortToken = short.data.token as string;
    for (const expires_at of [null, new Date(Date.now() + 7200_000).toISOString()]) {
      const longer = await call(t, shortToken, {
        method: 'POST',
        url: '/api/v1/tokens',
        payload: { person_id: person.id, name: 'longer', expires_at },
      });
      expect(longer.statusCode, String(expires_at)).toBe(400);
    }
    const shorter = await call(t, shortToken, {
      method: 'POST',
      url: '/api/v1/tokens',
      payload: {
        person_id: person.id,
        name: 'shorter',
        expires_at: new Date(Date.now() + 600_000).toISOString(),
      },
    });
    expect(shorter.statusCode).toBe(201);
  });

  it('keeps the admin role whole and stops an admin deleting themselves', async () => {
    const strip = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/roles/${acme.adminRoleId}`,
      payload: { permissions: ['tasks.view'] },
    });
    expect(strip.statusCode).toBe(422);
    expect(strip.data.error).toMatchObject({
      code: 'BUSINESS_RULE_VIOLATION',
      details: { rule: 'ADMIN_ROLE_LOCKED' },
    });
    const rename = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/roles/${acme.adminRoleId}`,
      payload: { name: 'root' },
    });
    expect(rename.statusCode).toBe(422);
    const describe = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/roles/${acme.adminRoleId}`,
      payload: { description: 'Runs the tenant' },
    });
    expect(describe.statusCode).toBe(200);
    expect(describe.data).toMatchObject({ name: 'admin', version: 2 });

    const self = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/people/${acme.adminId}`,
    });
    expect(self.statusCode).toBe(422);
    expect(self.data.error).toMatchObject({ details: { rule: 'CANNOT_DELETE_SELF' } });
  });

  it('checks the permission before the body, and audits the denial', async () => {
    const viewer = await createPersonWith(t, acme, ['tasks.view']);
    const response = await call(t, viewer.token, {
      method: 'POST',
      url: '/api/v1/people',
      payload: { nonsense: true },
    });
    expect(response.statusCode).toBe(403);
    expect(await denialsOf(viewer.id)).toEqual([
      { required_permission: 'people.manage', action_attempted: 'POST /api/v1/people' },
    ]);
  });
});

describe('people writes', () => {
  it('refuses a PATCH that only names a version, and writes nothing', async () => {
    const person = await createPersonWith(t, acme, []);
    const response = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/people/${person.id}`,
      payload: { version: 1 },
    });
    expect(response.statusCode).toBe(400);
    const read = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/people/${person.id}`,
    });
    expect(read.data.version).toBe(1);
  });

  it("frees a deleted person's login, and names the field of a clash", async () => {
    const first = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/people',
      payload: { login: 'dana', name: 'Dana One' },
    });
    const clash = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/people',
      payload: { login: 'Dana', name: 'Dana Two' },
    });
    expect(clash.statusCode).toBe(409);
    expect(clash.data.error).toMatchObject({ code: 'CONFLICT', details: { field: 'login' } });
    await call(t, acme.adminToken, { method: 'DELETE', url: `/api/v1/people/${first.data.id}` });
    const again = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/people',
      payload: { login: 'dana', name: 'Dana Two' },
    });
    expect(again.statusCode).toBe(201);
  });

  it('audits each token a deletion revokes, by id', async () => {
    const person = await createPersonWith(t, acme, []);
    const correlationId = randomUUID();
    const tokens = await call(t, acme.adminToken, { method: 'GET', url: '/api/v1/tokens' });
    const tokenId = (tokens.data.data as { id: string; person_id: string }[]).find(
      (token) => token.person_id === person.id,
    )!.id;
    const deleted = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/people/${person.id}`,
      headers: { 'x-correlation-id': correlationId },
    });
    expect(deleted.statusCode).toBe(204);
    const entries = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx
        .selectFrom('audit_entries')
        .select(['event_type', 'entity_type', 'entity_id'])
        .where('correlation_id', '=', correlationId)
        .orderBy('entity_type')
        .execute(),
    );
    expect(entries).toEqual([
      { event_type: 'DELETED', entity_type: 'api_token', entity_id: tokenId },
      { event_type: 'DELETED', entity_type: 'person', entity_id: person.id },
    ]);
  });
});
