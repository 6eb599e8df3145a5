import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPlatformTxBypassingRls } from '../src/platform/db/transactions.js';
import { buildTestApp, call, onPostgres, type Body, type TestApp } from './app.js';
import {
  createPersonWith,
  createStrictTenant,
  createTenant,
  type TestTenant,
} from './factories.js';
import { auditOf, createRecord } from './records.js';
import {
  denialsOf,
  expectUntouched,
  stateChangesOf,
  statusRow,
  transition,
} from './transitions.js';

/**
 * What the engine does for every entity (SPEC §5, §6, §7), seen through tickets: locking on
 * transitions, the STATE_CHANGED entry, tenancy, validation, and the workflow catalogue.
 */

let t: TestApp;
let acme: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  other = await createTenant(t, 'Other');
});
afterAll(() => t.close());

const newTicket = (tenant = acme) =>
  createRecord(t, tenant.adminToken, 'tickets', { title: 'Flickering lights' });

const move = (id: string, payload: Body, headers: Record<string, string> = {}, token?: string) =>
  transition(t, token ?? acme.adminToken, 'tickets', id, payload, headers);

const rowOf = (id: string) => statusRow(t, 'tickets', id);

const eventsOf = async (id: string) => (await auditOf(t, id)).map((entry) => entry.event_type);

const conflict = (status: number, current: number, yours: number) => ({
  error: {
    code: 'CONCURRENCY_ERROR',
    message: 'This record was modified by another user',
    current_version: current,
    your_version: yours,
    retry_instructions: 'Please refresh and try again',
  },
  status,
});

describe('optimistic locking on transitions', () => {
  it('answers a stale body version 409 and a stale If-Match 412, and applies a current one', async () => {
    const ticket = await newTicket();
    const patched = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/tickets/${ticket.id}`,
      payload: { priority: 'HIGH', version: 1 },
    });
    expect(patched.statusCode, patched.body).toBe(200);

    const staleBody = await move(ticket.id, { target_state: 'OPEN', version: 1 });
    expect(staleBody.statusCode).toBe(409);
    expect(staleBody.data).toEqual(conflict(409, 2, 1));
    const staleHeader = await move(ticket.id, { target_state: 'OPEN' }, { 'if-match': '"1"' });
    expect(staleHeader.statusCode).toBe(412);
    expect(staleHeader.data).toEqual(conflict(412, 2, 1));
    await expectUntouched(t, 'tickets', ticket.id, 'NEW', 2);

    const inBody = await move(ticket.id, { target_state: 'OPEN', version: 2 });
    expect(inBody.statusCode, inBody.body).toBe(200);
    expect(inBody.data).toMatchObject({ status: 'OPEN', version: 3 });
    expect(inBody.headers.etag).toBe('"3"');
    const inHeader = await move(ticket.id, { target_state: 'INPROGRESS' }, { 'if-match': '"3"' });
    expect(inHeader.statusCode, inHeader.body).toBe(200);
    expect(inHeader.data).toMatchObject({ status: 'INPROGRESS', version: 4 });
    expect(inHeader.headers.etag).toBe('"4"');
    expect(await rowOf(ticket.id)).toEqual({ status: 'INPROGRESS', version: 4 });

    const read = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/tickets/${ticket.id}`,
    });
    expect(read.headers.etag).toBe('"4"');
    expect(await eventsOf(ticket.id)).toEqual([
      'CREATED',
      'UPDATED',
      'STATE_CHANGED',
      'STATE_CHANGED',
    ]);
  });

  it('applies a transition without a version to the current one', async () => {
    const ticket = await newTicket();
    const blind = await move(ticket.id, { target_state: 'OPEN' });
    expect(blind.statusCode, blind.body).toBe(200);
    expect(blind.data.version).toBe(ticket.version + 1);
  });

  it('answers 428 to a tenant that requires If-Match when no version is named', async () => {
    const strict = await createStrictTenant(t);
    const ticket = await newTicket(strict);
    const blind = await move(ticket.id, { target_state: 'OPEN' }, {}, strict.adminToken);
    expect(blind.statusCode).toBe(428);
    expect(blind.data.error).toMatchObject({ code: 'PRECONDITION_REQUIRED' });
    await expectUntouched(t, 'tickets', ticket.id, 'NEW', 1);

    const named = await move(
      ticket.id,
      { target_state: 'OPEN' },
      { 'if-match': '"1"' },
      strict.adminToken,
    );
    expect(named.statusCode, named.body).toBe(200);
    expect(named.headers.etag).toBe('"2"');
  });
});

describe('the STATE_CHANGED entry', () => {
  it('records the move, the reason, the time spent in the previous state and the correlation id', async () => {
    const ticket = await newTicket();
    const correlationId = randomUUID();
    const opened = await move(
      ticket.id,
      { target_state: 'OPEN', comments: 'Triaged by the helpdesk', metadata: { channel: 'phone' } },
      { 'x-correlation-id': correlationId },
    );
    expect(opened.statusCode, opened.body).toBe(200);
    expect(opened.headers['x-correlation-id']).toBe(correlationId);
    expect(opened.data).toMatchObject({
      id: ticket.id,
      status: 'OPEN',
      version: 2,
      transition: { from_state: 'NEW', to_state: 'OPEN', at: expect.any(String) },
      warnings: [],
    });
    const at = (opened.data.transition as Body).at as string;
    expect(opened.data.status_changed_at).toBe(at);

    // An hour in OPEN, as far as the record knows.
    await withPlatformTxBypassingRls(t.database.db, (tx) =>
      sql`update tickets set status_changed_at = now() - interval '1 hour'
        where id = ${ticket.id}`.execute(tx),
    );
    const started = await move(ticket.id, {
      target_state: 'INPROGRESS',
      comments: 'Electrician on the way',
    });
    expect(started.statusCode, started.body).toBe(200);

    const [first, second] = await stateChangesOf(t, ticket.id);
    expect(first).toMatchObject({
      actor_id: acme.adminId,
      correlation_id: correlationId,
      from_state: 'NEW',
      to_state: 'OPEN',
      transition_reason: 'Triaged by the helpdesk',
      metadata: { version: 2, request: { channel: 'phone' } },
    });
    expect(first!.changes).toEqual({ status: { old: 'NEW', new: 'OPEN' } });
    expect(first!.transition_duration_seconds).toBeGreaterThanOrEqual(0);
    expect(first!.transition_duration_seconds).toBeLessThan(60);

    expect(second).toMatchObject({
      from_state: 'OPEN',
      to_state: 'INPROGRESS',
      transition_reason: 'Electrician on the way',
    });
    expect(second!.correlation_id).not.toBe(correlationId);
    expect(second!.changes).toEqual({ status: { old: 'OPEN', new: 'INPROGRESS' } });
    expect(second!.transition_duration_seconds).toBeGreaterThanOrEqual(3599);
    expect(second!.transition_duration_seconds).toBeLessThan(3660);
  });
});

describe('what a transition stores and refuses', () => {
  it('redacts personal data in the comments it keeps as the reason', async () => {
    const ticket = await newTicket();
    const response = await move(ticket.id, {
      target_state: 'OPEN',
      comments: 'Called back jo.doe@example.com on +44 20 7946 0958',
    });
    expect(response.statusCode, response.body).toBe(200);
    const [entry] = await stateChangesOf(t, ticket.id);
    expect(entry!.transition_reason).not.toContain('jo.doe@example.com');
    expect(entry!.transition_reason).not.toContain('7946');
    expect(entry!.transition_reason).toContain('[REDACTED]');
  });

  it.each([
    ['nested 5,000 levels deep', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`],
    [
      'with 500 values',
      JSON.stringify(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]))),
    ],
    ['of 20 KiB', JSON.stringify({ note: 'x'.repeat(20 * 1024) })],
  ])('answers 400 to metadata %s, and writes nothing', async (_case, metadata) => {
    const ticket = await newTicket();
    // Sent as text: the test client would overflow its own stack serialising the deepest one.
    const response = await call(t, acme.adminToken, {
      method: 'POST',
      url: `/api/v1/tickets/${ticket.id}/transitions`,
      headers: { 'content-type': 'application/json' },
      payload: `{"target_state":"OPEN","metadata":${metadata}}`,
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.data).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
    expect(await rowOf(ticket.id)).toEqual({ status: 'NEW', version: 1 });
  });

  it('answers a caller without the permission 403, before telling it the version is stale', async () => {
    const ticket = await newTicket();
    const viewer = await createPersonWith(t, acme, ['tickets.view']);
    const response = await move(ticket.id, { target_state: 'OPEN', version: 7 }, {}, viewer.token);
    expect(response.statusCode, response.body).toBe(403);
    expect(response.data).toMatchObject({
      error: { code: 'PERMISSION_DENIED', details: { required_permission: 'tickets.update' } },
    });
    expect(await denialsOf(t, viewer.id)).toHaveLength(1);
  });
});

describe('records a transition cannot reach', () => {
  it("answers 404 for another tenant's ticket, before any permission check, and writes nothing", async () => {
    const ticket = await newTicket();
    const stranger = await createPersonWith(t, other, ['tickets.view']);
    for (const token of [other.adminToken, stranger.token]) {
      const response = await move(ticket.id, { target_state: 'OPEN' }, {}, token);
      expect(response.statusCode).toBe(404);
      expect(response.data.error).toMatchObject({ code: 'ENTITY_NOT_FOUND' });
      const options = await call(t, token, {
        method: 'GET',
        url: `/api/v1/tickets/${ticket.id}/transitions`,
      });
      expect(options.statusCode).toBe(404);
    }
    expect(await rowOf(ticket.id)).toEqual({ status: 'NEW', version: 1 });
    expect(await eventsOf(ticket.id)).toEqual(['CREATED']);
    expect(await denialsOf(t, stranger.id)).toEqual([]);
  });

  it('answers 404 for a missing or soft-deleted ticket', async () => {
    const missing = await move(randomUUID(), { target_state: 'OPEN' });
    expect(missing.statusCode).toBe(404);
    expect(missing.data.error).toMatchObject({ code: 'ENTITY_NOT_FOUND' });

    const ticket = await newTicket();
    const deleted = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/tickets/${ticket.id}`,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const response = await move(ticket.id, { target_state: 'OPEN' });
    expect(response.statusCode).toBe(404);
    expect(response.data.error).toMatchObject({ code: 'ENTITY_NOT_FOUND' });
    const options = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/tickets/${ticket.id}/transitions`,
    });
    expect(options.statusCode).toBe(404);
    expect(await rowOf(ticket.id)).toEqual({ status: 'NEW', version: 2 });
    expect(await eventsOf(ticket.id)).toEqual(['CREATED', 'DELETED']);
  });

  it.each([
    { case: 'an unknown target state', payload: { target_state: 'REOPENED' } },
    { case: 'no target state', payload: { comments: 'Please' } },
    { case: 'an unknown field', payload: { target_state: 'OPEN', reason: 'Please' } },
    { case: 'a version that is not a number', payload: { target_state: 'OPEN', version: 'one' } },
    { case: 'metadata that is not an object', payload: { target_state: 'OPEN', metadata: 'x' } },
  ])('answers 400 to $case and writes nothing', async ({ payload }) => {
    const ticket = await newTicket();
    const response = await move(ticket.id, payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.data).toMatchObject({ error: { code: 'VALIDATION_ERROR' }, status: 400 });
    expect(await rowOf(ticket.id)).toEqual({ status: 'NEW', version: 1 });
    expect(await eventsOf(ticket.id)).toEqual(['CREATED']);
  });

  it('answers 400 to an id that is not a uuid', async () => {
    const response = await move('not-a-uuid', { target_state: 'OPEN' });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    const options = await call(t, acme.adminToken, {
      method: 'GET',
      url: '/api/v1/tickets/not-a-uuid/transitions',
    });
    expect(options.statusCode).toBe(400);
  });
});

/** SPEC §6, all four tables, written out: [from, to, permission, rule codes]. */
type Row = [string, string, string, string[]];
const C = 'COMMENTS_REQUIRED';

const CATALOGUE: Record<
  string,
  { path: string; initial: string; states: string[]; terminal: string[]; rows: Row[] }
> = {
  work_order: {
    path: 'work-orders',
    initial: 'DRAFT',
    states: ['DRAFT', 'SUBMITTED', 'APPROVED', 'IN_PROGRESS', 'COMPLETED', 'CLOSED', 'CANCELLED'],
    terminal: ['CLOSED', 'CANCELLED'],
    rows: [
      ['DRAFT', 'SUBMITTED', 'work_orders.update', []],
      ['SUBMITTED', 'APPROVED', 'work_orders.approve', ['VENDOR_REQUIRED']],
      ['SUBMITTED', 'DRAFT', 'work_orders.reject', [C]],
      ['APPROVED', 'IN_PROGRESS', 'work_orders.start', []],
      ['IN_PROGRESS', 'COMPLETED', 'work_orders.complete', ['LINE_ITEMS_INCOMPLETE', C]],
      ['COMPLETED', 'CLOSED', 'work_orders.close', [C]],
      ['COMPLETED', 'IN_PROGRESS', 'work_orders.reopen', [C]],
      ['DRAFT', 'CANCELLED', 'work_orders.cancel', [C]],
      ['SUBMITTED', 'CANCELLED', 'work_orders.cancel', [C]],
      ['APPROVED', 'CANCELLED', 'work_orders.cancel', [C]],
      ['IN_PROGRESS', 'CANCELLED', 'work_orders.cancel', [C]],
    ],
  },
  task: {
    path: 'tasks',
    initial: 'ASSIGNED',
    states: [
      'ASSIGNED',
      'INPROGRESS',
      'WORKING',
      'STANDBY',
      'PARTIALLYCOMPLETED',
      'MAINTENANCE',
      'COMPLETED',
      'AUTOCLOSED',
    ],
    terminal: ['AUTOCLOSED'],
    rows: [
      ['ASSIGNED', 'INPROGRESS', 'tasks.start', ['ASSIGNEE_REQUIRED']],
      ['ASSIGNED', 'WORKING', 'tasks.start', ['ASSIGNEE_REQUIRED']],
      ['ASSIGNED', 'STANDBY', 'tasks.hold', [C]],
      ['INPROGRESS', 'STANDBY', 'tasks.hold', [C]],
      ['WORKING', 'STANDBY', 'tasks.hold', [C]],
      ['INPROGRESS', 'WORKING', 'tasks.update', []],
      ['WORKING', 'INPROGRESS', 'tasks.update', []],
      ['INPROGRESS', 'COMPLETED', 'tasks.complete', ['COMPLETION_REQUIREMENTS']],
      ['WORKING', 'COMPLETED', 'tasks.complete', ['COMPLETION_REQUIREMENTS']],
      ['PARTIALLYCOMPLETED', 'COMPLETED', 'tasks.complete', ['COMPLETION_REQUIREMENTS']],
      ['INPROGRESS', 'PARTIALLYCOMPLETED', 'tasks.change_status', []],
      ['WORKING', 'PARTIALLYCOMPLETED', 'tasks.change_status', []],
      ['WORKING', 'MAINTENANCE', 'tasks.change_status', []],
      ['INPROGRESS', 'ASSIGNED', 'tasks.assign', []],
      ['STANDBY', 'ASSIGNED', 'tasks.assign', []],
      ['STANDBY', 'INPROGRESS', 'tasks.start', []],
      ['STANDBY', 'WORKING', 'tasks.start', []],
      ['MAINTENANCE', 'WORKING', 'tasks.update', []],
      ['MAINTENANCE', 'INPROGRESS', 'tasks.update', []],
      ['PARTIALLYCOMPLETED', 'WORKING', 'tasks.update', []],
      ['PARTIALLYCOMPLETED', 'INPROGRESS', 'tasks.update', []],
      ['COMPLETED', 'AUTOCLOSED', 'tasks.close', []],
      ['COMPLETED', 'INPROGRESS', 'tasks.reopen', [C]],
    ],
  },
  attendance: {
    path: 'attendance',
    initial: 'PENDING',
    states: ['PENDING', 'APPROVED', 'REJECTED', 'ADJUSTED', 'LOCKED'],
    terminal: ['LOCKED'],
    rows: [
      ['PENDING', 'APPROVED', 'attendance.approve', ['PAYROLL_CUTOFF_PASSED', 'OUTSIDE_GEOFENCE']],
      ['ADJUSTED', 'APPROVED', 'attendance.approve', ['PAYROLL_CUTOFF_PASSED', 'OUTSIDE_GEOFENCE']],
      ['PENDING', 'REJECTED', 'attendance.reject', [C]],
      ['PENDING', 'ADJUSTED', 'attendance.adjust', ['ADJUSTMENT_REASON_REQUIRED']],
      ['APPROVED', 'ADJUSTED', 'attendance.adjust', ['ADJUSTMENT_REASON_REQUIRED']],
      ['REJECTED', 'PENDING', 'attendance.update', []],
      ['APPROVED', 'LOCKED', 'attendance.lock', []],
      ['ADJUSTED', 'LOCKED', 'attendance.lock', []],
    ],
  },
  ticket: {
    path: 'tickets',
    initial: 'NEW',
    states: ['NEW', 'OPEN', 'INPROGRESS', 'ONHOLD', 'RESOLVED', 'CLOSED', 'CANCELLED'],
    terminal: ['CLOSED', 'CANCELLED'],
    rows: [
      ['NEW', 'OPEN', 'tickets.update', []],
      ['NEW', 'INPROGRESS', 'tickets.update', []],
      ['OPEN', 'INPROGRESS', 'tickets.update', []],
      ['OPEN', 'ONHOLD', 'tickets.update', []],
      ['INPROGRESS', 'OPEN', 'tickets.update', []],
      ['INPROGRESS', 'ONHOLD', 'tickets.update', []],
      ['ONHOLD', 'OPEN', 'tickets.update', []],
      ['ONHOLD', 'INPROGRESS', 'tickets.update', []],
      ['OPEN', 'RESOLVED', 'tickets.resolve', [C]],
      ['INPROGRESS', 'RESOLVED', 'tickets.resolve', [C]],
      ['ONHOLD', 'RESOLVED', 'tickets.resolve', [C]],
      ['NEW', 'CANCELLED', 'tickets.cancel', [C]],
      ['OPEN', 'CANCELLED', 'tickets.cancel', [C]],
      ['INPROGRESS', 'CANCELLED', 'tickets.cancel', [C]],
      ['ONHOLD', 'CANCELLED', 'tickets.cancel', [C]],
      ['RESOLVED', 'CLOSED', 'tickets.close', [C]],
      ['RESOLVED', 'OPEN', 'tickets.reopen', []],
    ],
  },
};

const ENTITIES = Object.entries(CATALOGUE).map(([entity, spec]) => ({ entity, ...spec }));
const rowKey = ([from, to, permission, rules]: Row) =>
  `${from} -> ${to} ${permission} [${[...rules].sort().join(', ')}]`;

describe('GET /api/v1/workflows/{entity}', () => {
  const catalogue = (entity: string, suffix = '') =>
    call(t, acme.adminToken, { method: 'GET', url: `/api/v1/workflows/${entity}${suffix}` });

  it.each(ENTITIES)(
    'describes $entity as SPEC §6 does',
    async ({ entity, path, initial, states, terminal, rows }) => {
      for (const name of [entity, path]) {
        const response = await catalogue(name);
        expect(response.statusCode, response.body).toBe(200);
        const data = response.data as Body & { transitions: Body[] };
        expect(data).toMatchObject({ entity, path: `/api/v1/${path}`, initial_state: initial });
        expect([...(data.states as string[])].sort()).toEqual([...states].sort());
        expect([...(data.terminal_states as string[])].sort()).toEqual([...terminal].sort());
        const described = data.transitions.map((transition) =>
          rowKey([
            transition.from_state as string,
            transition.to_state as string,
            transition.permission as string,
            (transition.rules as { code: string }[]).map((rule) => rule.code),
          ]),
        );
        expect(described.sort()).toEqual(rows.map(rowKey).sort());
        for (const transition of data.transitions) {
          const rules = (transition.rules as { code: string }[]).map((rule) => rule.code);
          expect(transition.comments_required).toBe(rules.includes(C));
        }
        expect(data.permissions).toEqual([...new Set(rows.map((row) => row[2]))].sort());
      }
    },
  );

  it('lists VENDOR_REQUIRED, with a description, on SUBMITTED -> APPROVED', async () => {
    const data = (await catalogue('work_order')).data as { transitions: Body[] };
    const approval = data.transitions.find(
      (transition) => transition.from_state === 'SUBMITTED' && transition.to_state === 'APPROVED',
    );
    expect(approval).toMatchObject({
      permission: 'work_orders.approve',
      comments_required: false,
      rules: [{ code: 'VENDOR_REQUIRED', description: expect.any(String) }],
    });
    expect(data.transitions.find((transition) => transition.to_state === 'DRAFT')).toMatchObject({
      name: 'reject',
    });
  });

  it.each(ENTITIES)(
    'draws $entity as a Mermaid diagram, one edge per transition',
    async ({ entity, rows }) => {
      const response = await catalogue(entity, '/diagram');
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/vnd\.mermaid/);
      const text = response.body;
      expect(text.split('\n')[0]).toBe('stateDiagram-v2');
      const edges = text.split('\n').filter((line) => /^\s*[A-Z_]+ --> [A-Z_]+\b/.test(line));
      expect(edges).toHaveLength(rows.length);
      for (const [from, to, permission] of rows) {
        const edge = edges.find((line) => new RegExp(`^\\s*${from} --> ${to}(\\s|$)`).test(line));
        expect(edge, `${from} --> ${to}`).toBeDefined();
        expect(edge).toContain(permission);
      }
    },
  );

  it('answers 404 to an unknown entity', async () => {
    for (const suffix of ['', '/diagram']) {
      const response = await catalogue('invoice', suffix);
      expect(response.statusCode).toBe(404);
      expect(response.data.error).toMatchObject({ code: 'ENTITY_NOT_FOUND' });
    }
  });
});

describe('transition metrics', () => {
  const countOf = (body: string, series: string) =>
    Number(
      body
        .split('\n')
        .find((line) => line.startsWith(`${series} `))
        ?.split(' ')[1] ?? 0,
    );

  it('counts applied transitions by states and refused ones by code and rule', async () => {
    const applied =
      'facilityflow_transitions_total{entity="ticket",from_state="NEW",to_state="OPEN"}';
    const refused =
      'facilityflow_transition_failures_total{entity="ticket",code="BUSINESS_RULE_VIOLATION",rule="COMMENTS_REQUIRED"}';
    const before = (await call(t, null, { method: 'GET', url: '/metrics' })).body;
    const ticket = await newTicket();
    expect((await move(ticket.id, { target_state: 'OPEN' })).statusCode).toBe(200);
    expect((await move(ticket.id, { target_state: 'RESOLVED' })).statusCode).toBe(422);
    const after = (await call(t, null, { method: 'GET', url: '/metrics' })).body;
    expect(countOf(after, applied) - countOf(before, applied)).toBe(1);
    expect(countOf(after, refused) - countOf(before, refused)).toBe(1);
  });
});

describe.runIf(onPostgres)('concurrent transitions of one record (PostgreSQL)', () => {
  const WRITERS = 10;

  it.each([
    { case: 'without versions', payload: { target_state: 'OPEN' } },
    { case: 'all naming the same version', payload: { target_state: 'OPEN', version: 1 } },
  ])('lets exactly one of 10 win $case', async ({ payload }) => {
    const ticket = await newTicket();
    const responses = await Promise.all(
      Array.from({ length: WRITERS }, () => move(ticket.id, payload)),
    );
    const won = responses.filter((response) => response.statusCode === 200);
    const lost = responses.filter((response) => response.statusCode === 409);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(WRITERS - 1);
    for (const response of lost) {
      const { code } = response.data.error as { code: string };
      if ('version' in payload) expect(response.data).toEqual(conflict(409, 2, 1));
      else expect(['INVALID_STATE_TRANSITION', 'CONCURRENCY_ERROR']).toContain(code);
    }
    expect(await rowOf(ticket.id)).toEqual({ status: 'OPEN', version: ticket.version + 1 });
    const changes = await stateChangesOf(t, ticket.id);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ from_state: 'NEW', to_state: 'OPEN' });
  });
});
