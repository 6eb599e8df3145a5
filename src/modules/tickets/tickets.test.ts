import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type Body, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { auditOf, createRecord, createSite, idsOf } from '../../../test/records.js';
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

function createTicket(tenant: TestTenant, payload: Body = {}, token = tenant.adminToken) {
  return createRecord(t, token, 'tickets', { title: 'Leaking tap', ...payload });
}

function list(tenant: TestTenant, query: string) {
  return call(t, tenant.adminToken, { method: 'GET', url: `/api/v1/tickets?${query}` });
}

function patch(id: string, payload: Body, token = acme.adminToken) {
  return call(t, token, { method: 'PATCH', url: `/api/v1/tickets/${id}`, payload });
}

function rowOf(id: string) {
  return withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );
}

/** Transitions come later, and creation stamps now(): tests set these behind the API's back. */
function setColumns(id: string, createdAt: string, status?: string) {
  return withPlatformTxBypassingRls(t.database.db, (tx) =>
    sql`update tickets set created_at = ${createdAt}::timestamptz,
      status = coalesce(${status ?? null}::text, status) where id = ${id}`.execute(tx),
  );
}

describe('tickets', () => {
  it('creates, reads, lists, updates and deletes a ticket, auditing each write', async () => {
    const tenant = await createTenant(t, 'Helpdesk');
    const site = await createSite(t, tenant.adminToken);
    const agent = await createPersonWith(t, tenant, []);
    const created = await createTicket(tenant, {
      title: 'Broken door',
      description: 'The loading bay door sticks',
      category: 'doors',
      site_id: site.id,
      assignee_id: agent.id,
      priority: 'HIGH',
      due_at: '2030-01-01T12:00:00Z',
    });
    expect(created).toMatchObject({
      tenant_id: tenant.id,
      number: 'T00001',
      title: 'Broken door',
      description: 'The loading bay door sticks',
      category: 'doors',
      site_id: site.id,
      requester_id: tenant.adminId,
      assignee_id: agent.id,
      priority: 'HIGH',
      status: 'NEW',
      due_at: '2030-01-01T12:00:00.000Z',
      version: 1,
      created_by: tenant.adminId,
    });
    expect(typeof created.status_changed_at).toBe('string');

    const read = await call(t, tenant.adminToken, {
      method: 'GET',
      url: `/api/v1/tickets/${created.id}`,
    });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    expect(read.data).toEqual(created);
    expect(idsOf(await list(tenant, ''))).toEqual([created.id]);

    const patched = await call(t, tenant.adminToken, {
      method: 'PATCH',
      url: `/api/v1/tickets/${created.id}`,
      payload: { priority: 'CRITICAL', category: null, assignee_id: null, version: 1 },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.headers.etag).toBe('"2"');
    expect(patched.data).toMatchObject({
      version: 2,
      number: 'T00001',
      priority: 'CRITICAL',
      category: null,
      assignee_id: null,
      title: 'Broken door',
      updated_by: tenant.adminId,
    });

    const deleted = await call(t, tenant.adminToken, {
      method: 'DELETE',
      url: `/api/v1/tickets/${created.id}`,
      headers: { 'if-match': '"2"' },
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const gone = await call(t, tenant.adminToken, {
      method: 'GET',
      url: `/api/v1/tickets/${created.id}`,
    });
    expect(gone.statusCode).toBe(404);
    expect(idsOf(await list(tenant, ''))).toEqual([]);

    const audit = await auditOf(t, created.id);
    expect(audit.map((entry) => entry.event_type)).toEqual(['CREATED', 'UPDATED', 'DELETED']);
    expect(audit.every((entry) => entry.entity_type === 'ticket')).toBe(true);
    expect(audit[0]!.changes).toMatchObject({
      number: { old: null, new: 'T00001' },
      requester_id: { old: null, new: tenant.adminId },
      priority: { old: null, new: 'HIGH' },
    });
    expect(audit[1]!.changes).toEqual({
      priority: { old: 'HIGH', new: 'CRITICAL' },
      category: { old: 'doors', new: null },
      assignee_id: { old: agent.id, new: null },
    });
  });

  it('numbers tickets per tenant, never reusing one after a delete or a failed create', async () => {
    const first = await createTenant(t, 'First');
    const second = await createTenant(t, 'Second');
    const one = await createTicket(first);
    const two = await createTicket(first, { priority: 'LOW' });
    expect([one.number, two.number]).toEqual(['T00001', 'T00002']);
    expect(two.priority).toBe('LOW');
    expect(one.priority).toBe('MEDIUM');

    const removed = await call(t, first.adminToken, {
      method: 'DELETE',
      url: `/api/v1/tickets/${two.id}`,
    });
    expect(removed.statusCode).toBe(204);
    const refused = await call(t, first.adminToken, {
      method: 'POST',
      url: '/api/v1/tickets',
      payload: { title: 'Bad site', site_id: randomUUID() },
    });
    expect(refused.statusCode).toBe(400);

    expect((await createTicket(first)).number).toBe('T00003');
    expect((await createTicket(second)).number).toBe('T00001');
  });

  it('filters by status, priority, site, people, category and dates, and sorts', async () => {
    const tenant = await createTenant(t, 'Lists');
    const siteA = await createSite(t, tenant.adminToken);
    const siteB = await createSite(t, tenant.adminToken);
    const alice = await createPersonWith(t, tenant, []);
    const bob = await createPersonWith(t, tenant, []);
    const a = await createTicket(tenant, {
      title: 'Charlie',
      site_id: siteA.id,
      assignee_id: alice.id,
      requester_id: bob.id,
      category: 'plumbing',
      priority: 'LOW',
      due_at: '2030-03-01T00:00:00Z',
    });
    const b = await createTicket(tenant, {
      title: 'Alpha',
      site_id: siteB.id,
      assignee_id: bob.id,
      category: 'electrical',
      priority: 'CRITICAL',
      due_at: '2030-01-01T00:00:00Z',
    });
    const c = await createTicket(tenant, { title: 'Bravo', priority: 'HIGH' });
    await setColumns(a.id, '2025-01-01T00:00:00Z');
    await setColumns(b.id, '2025-02-01T00:00:00Z', 'OPEN');
    await setColumns(c.id, '2025-03-01T00:00:00Z', 'RESOLVED');

    const cases: [string, string[]][] = [
      ['', [c.id, b.id, a.id]],
      ['status=NEW', [a.id]],
      ['status=OPEN,RESOLVED', [c.id, b.id]],
      ['priority=LOW,HIGH', [c.id, a.id]],
      [`site_id=${siteA.id}`, [a.id]],
      [`assignee_id=${bob.id}`, [b.id]],
      [`requester_id=${bob.id}`, [a.id]],
      [`requester_id=${tenant.adminId}`, [c.id, b.id]],
      ['category=electrical', [b.id]],
      ['due_from=2030-02-01T00:00:00Z', [a.id]],
      ['due_to=2030-02-01T00:00:00Z', [b.id]],
      ['created_from=2025-02-01T00:00:00Z', [c.id, b.id]],
      ['created_to=2025-02-01T00:00:00Z', [b.id, a.id]],
      ['created_from=2025-01-15T00:00:00Z&created_to=2025-02-15T00:00:00Z', [b.id]],
      ['sort=created_at', [a.id, b.id, c.id]],
      ['sort=-updated_at', [c.id, b.id, a.id]],
      ['sort=priority', [a.id, c.id, b.id]],
      ['sort=-priority', [b.id, c.id, a.id]],
      ['sort=title', [b.id, c.id, a.id]],
      ['sort=number', [a.id, b.id, c.id]],
      ['sort=-number', [c.id, b.id, a.id]],
      ['sort=due_at', [b.id, a.id, c.id]],
      ['sort=-due_at', [a.id, b.id, c.id]],
    ];
    for (const [query, expected] of cases) {
      const response = await list(tenant, query);
      expect(response.statusCode, query).toBe(200);
      expect(idsOf(response), query).toEqual(expected);
    }

    for (const query of [
      'status=DONE',
      'priority=URGENT',
      'due_from=tomorrow',
      'created_to=2025-13-01',
      'assignee_id=bob',
      'sort=status',
      'colour=red',
    ]) {
      expect((await list(tenant, query)).statusCode, query).toBe(400);
    }
  });

  it('refuses bad fields, status, number and unknown fields', async () => {
    const createCases: Body[] = [
      { title: '' },
      { title: 'x'.repeat(201) },
      { description: 'x'.repeat(5001) },
      { category: '' },
      { category: 'x'.repeat(65) },
      { priority: 'URGENT' },
      { due_at: 'next week' },
      { site_id: 'not-a-uuid' },
      { requester_id: null },
      { status: 'OPEN' },
      { number: 'T99999' },
      { colour: 'red' },
    ];
    for (const payload of createCases) {
      const response = await call(t, acme.adminToken, {
        method: 'POST',
        url: '/api/v1/tickets',
        payload: { title: 'Valid', ...payload },
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    const missingTitle = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/tickets',
      payload: { description: 'No title' },
    });
    expect(missingTitle.statusCode).toBe(400);

    const ticket = await createTicket(acme, {
      description: 'x'.repeat(5000),
      title: 'x'.repeat(200),
    });
    for (const payload of [...createCases, { version: 1 }, {}]) {
      const response = await patch(ticket.id, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect(await rowOf(ticket.id)).toMatchObject({
      version: 1,
      status: 'NEW',
      number: ticket.number,
    });
    expect((await auditOf(t, ticket.id)).map((entry) => entry.event_type)).toEqual(['CREATED']);
  });

  it("refuses unknown sites and people, including another tenant's", async () => {
    const theirSite = await createSite(t, other.adminToken);
    const theirPerson = await createPersonWith(t, other, []);
    const cases: [Body, string][] = [
      [{ site_id: randomUUID() }, 'site_id'],
      [{ site_id: theirSite.id }, 'site_id'],
      [{ requester_id: randomUUID() }, 'requester_id'],
      [{ requester_id: theirPerson.id }, 'requester_id'],
      [{ assignee_id: randomUUID() }, 'assignee_id'],
      [{ assignee_id: theirPerson.id }, 'assignee_id'],
    ];
    for (const [payload, field] of cases) {
      const response = await call(t, acme.adminToken, {
        method: 'POST',
        url: '/api/v1/tickets',
        payload: { title: 'Bad reference', ...payload },
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.data.error).toMatchObject({
        code: 'VALIDATION_ERROR',
        details: { errors: [{ path: `/${field}` }] },
      });
    }
    const ticket = await createTicket(acme);
    for (const [payload, field] of cases) {
      const response = await patch(ticket.id, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.data.error).toMatchObject({ details: { errors: [{ path: `/${field}` }] } });
    }
    expect((await rowOf(ticket.id)).version).toBe(1);
  });

  it('needs tickets.view to read and the matching permission to write', async () => {
    const ticket = await createTicket(acme);
    const nobody = await createPersonWith(t, acme, ['attendance.view']);
    const viewer = await createPersonWith(t, acme, ['tickets.view']);
    const denials: [string, 'GET' | 'POST' | 'PATCH' | 'DELETE', string, string, Body?][] = [
      [nobody.token, 'GET', '/api/v1/tickets', 'tickets.view'],
      [nobody.token, 'GET', `/api/v1/tickets/${ticket.id}`, 'tickets.view'],
      [viewer.token, 'POST', '/api/v1/tickets', 'tickets.create', { title: 'Nope' }],
      [viewer.token, 'PATCH', `/api/v1/tickets/${ticket.id}`, 'tickets.update', { title: 'x' }],
      [viewer.token, 'DELETE', `/api/v1/tickets/${ticket.id}`, 'tickets.delete'],
    ];
    for (const [token, method, url, permission, payload] of denials) {
      const response = await call(t, token, { method, url, ...(payload ? { payload } : {}) });
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      expect(response.data.error).toMatchObject({
        code: 'PERMISSION_DENIED',
        details: { required_permission: permission },
      });
    }
    expect((await list(acme, '')).statusCode).toBe(200);
    const viewerList = await call(t, viewer.token, { method: 'GET', url: '/api/v1/tickets' });
    expect(viewerList.statusCode).toBe(200);
    expect(await rowOf(ticket.id)).toMatchObject({ version: 1, deleted_at: null });
  });

  it('needs tickets.assign to name an assignee on create or patch', async () => {
    const tenant = await createTenant(t, 'Assign');
    const agent = await createPersonWith(t, tenant, []);
    const clerk = await createPersonWith(t, tenant, [
      'tickets.view',
      'tickets.create',
      'tickets.update',
    ]);
    const dispatcher = await createPersonWith(t, tenant, ['tickets.update', 'tickets.assign']);

    const denied = await call(t, clerk.token, {
      method: 'POST',
      url: '/api/v1/tickets',
      payload: { title: 'Assigned', assignee_id: agent.id },
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.data.error).toMatchObject({
      code: 'PERMISSION_DENIED',
      details: { required_permission: 'tickets.assign' },
    });
    const denials = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx
        .selectFrom('audit_entries')
        .select('event_type')
        .where('actor_id', '=', clerk.id)
        .where('event_type', '=', 'PERMISSION_DENIED')
        .execute(),
    );
    expect(denials).toHaveLength(1);

    const own = await createTicket(tenant, { title: 'Mine', assignee_id: null }, clerk.token);
    expect(own).toMatchObject({
      number: 'T00001',
      requester_id: clerk.id,
      assignee_id: null,
      created_by: clerk.id,
    });
    expect(idsOf(await list(tenant, ''))).toEqual([own.id]);

    for (const assignee of [agent.id, null]) {
      const response = await patch(own.id, { assignee_id: assignee }, clerk.token);
      expect(response.statusCode, String(assignee)).toBe(403);
      expect(response.data.error).toMatchObject({
        details: { required_permission: 'tickets.assign' },
      });
    }
    const retitled = await patch(own.id, { title: 'Still mine' }, clerk.token);
    expect(retitled.statusCode, retitled.body).toBe(200);

    const assigned = await patch(own.id, { assignee_id: agent.id, version: 2 }, dispatcher.token);
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect(assigned.data).toMatchObject({ assignee_id: agent.id, version: 3 });
    expect((await auditOf(t, own.id)).at(-1)!.changes).toEqual({
      assignee_id: { old: null, new: agent.id },
    });
  });
});
