import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type Body, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { createRecord } from '../../../test/records.js';
import { denialsOf, forceStatus, stateChangesOf, transition } from '../../../test/transitions.js';
import { withPlatformTxBypassingRls } from '../../platform/db/transactions.js';

/**
 * The ticket state machine through the API, against SPEC §6 as written there: the table below is
 * copied from the SPEC, not read from the definition, so a drift in either shows.
 */

const STATES = ['NEW', 'OPEN', 'INPROGRESS', 'ONHOLD', 'RESOLVED', 'CLOSED', 'CANCELLED'] as const;

interface SpecTransition {
  from: string;
  to: string;
  permission: string;
  comments: boolean;
}

const update = (from: string, to: string): SpecTransition => ({
  from,
  to,
  permission: 'tickets.update',
  comments: false,
});

/** SPEC §6, ticket: one row per (from, to) pair. */
const SPEC_TABLE: SpecTransition[] = [
  update('NEW', 'OPEN'),
  update('NEW', 'INPROGRESS'),
  update('OPEN', 'INPROGRESS'),
  update('OPEN', 'ONHOLD'),
  update('INPROGRESS', 'OPEN'),
  update('INPROGRESS', 'ONHOLD'),
  update('ONHOLD', 'OPEN'),
  update('ONHOLD', 'INPROGRESS'),
  ...['OPEN', 'INPROGRESS', 'ONHOLD'].map((from) => ({
    from,
    to: 'RESOLVED',
    permission: 'tickets.resolve',
    comments: true,
  })),
  ...['NEW', 'OPEN', 'INPROGRESS', 'ONHOLD'].map((from) => ({
    from,
    to: 'CANCELLED',
    permission: 'tickets.cancel',
    comments: true,
  })),
  { from: 'RESOLVED', to: 'CLOSED', permission: 'tickets.close', comments: true },
  { from: 'RESOLVED', to: 'OPEN', permission: 'tickets.reopen', comments: false },
];

/** SPEC §3. */
const TICKET_PERMISSIONS = [
  'view',
  'create',
  'update',
  'delete',
  'resolve',
  'close',
  'cancel',
  'reopen',
  'assign',
].map((action) => `tickets.${action}`);

const listed = (from: string, to: string) =>
  SPEC_TABLE.some((row) => row.from === from && row.to === to);

const COMMENTS = 'Spoke to the requester';

let t: TestApp;
let acme: TestTenant;

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
});
afterAll(() => t.close());

async function ticketIn(status: string) {
  const ticket = await createRecord(t, acme.adminToken, 'tickets', { title: 'Leaking tap' });
  if (status !== 'NEW') await forceStatus(t, 'tickets', ticket.id, status);
  return ticket;
}

function rowOf(id: string) {
  return withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx
      .selectFrom('tickets')
      .select(['status', 'version'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow(),
  );
}

async function expectUnchanged(id: string, status: string, version: number) {
  expect(await rowOf(id)).toEqual({ status, version });
  expect(await stateChangesOf(t, id)).toEqual([]);
}

const move = (id: string, payload: Body, token = acme.adminToken) =>
  transition(t, token, 'tickets', id, payload);

describe('every ordered pair of ticket states', () => {
  const pairs = STATES.flatMap((from) =>
    STATES.map((to) => ({ from, to, expected: listed(from, to) ? 200 : 409 })),
  );

  it('covers SPEC §6 with 17 allowed pairs out of 49', () => {
    expect(pairs).toHaveLength(49);
    expect(pairs.filter((pair) => pair.expected === 200)).toHaveLength(17);
  });

  it.each(pairs)('$from -> $to answers $expected', async ({ from, to, expected }) => {
    const ticket = await ticketIn(from);
    const response = await move(ticket.id, { target_state: to, comments: COMMENTS });
    expect(response.statusCode, response.body).toBe(expected);
    if (expected === 409) {
      expect(response.data).toMatchObject({
        error: { code: 'INVALID_STATE_TRANSITION' },
        status: 409,
      });
      await expectUnchanged(ticket.id, from, ticket.version);
      return;
    }
    expect(response.data).toMatchObject({
      id: ticket.id,
      status: to,
      version: ticket.version + 1,
      transition: { from_state: from, to_state: to },
      warnings: [],
    });
    expect(response.headers.etag).toBe(`"${ticket.version + 1}"`);
    expect(await rowOf(ticket.id)).toEqual({ status: to, version: ticket.version + 1 });
    const changes = await stateChangesOf(t, ticket.id);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      actor_id: acme.adminId,
      from_state: from,
      to_state: to,
      transition_reason: COMMENTS,
      changes: { status: { old: from, new: to } },
    });
  });
});

describe('ticket comments', () => {
  const blanks = [
    { case: 'missing', comments: undefined },
    { case: 'empty', comments: '' },
    { case: 'whitespace', comments: '  \n\t ' },
  ];

  it.each(
    SPEC_TABLE.filter((row) => row.comments).flatMap((row) =>
      blanks.map((blank) => ({ ...row, ...blank })),
    ),
  )('$from -> $to with comments $case: 422 COMMENTS_REQUIRED', async ({ from, to, comments }) => {
    const ticket = await ticketIn(from);
    const response = await move(ticket.id, { target_state: to, comments });
    expect(response.statusCode, response.body).toBe(422);
    expect(response.data.error).toMatchObject({
      code: 'BUSINESS_RULE_VIOLATION',
      details: { rule: 'COMMENTS_REQUIRED' },
    });
    await expectUnchanged(ticket.id, from, ticket.version);
  });

  it.each(SPEC_TABLE.filter((row) => !row.comments))(
    '$from -> $to needs no comments',
    async ({ from, to }) => {
      const ticket = await ticketIn(from);
      const response = await move(ticket.id, { target_state: to });
      expect(response.statusCode, response.body).toBe(200);
      const [change] = await stateChangesOf(t, ticket.id);
      expect(change).toMatchObject({ from_state: from, to_state: to, transition_reason: null });
    },
  );
});

describe('ticket permissions', () => {
  /** One transition of SPEC §6 for each permission the table names. */
  const cases = [
    { permission: 'tickets.update', from: 'NEW', to: 'OPEN' },
    { permission: 'tickets.resolve', from: 'OPEN', to: 'RESOLVED' },
    { permission: 'tickets.cancel', from: 'NEW', to: 'CANCELLED' },
    { permission: 'tickets.close', from: 'RESOLVED', to: 'CLOSED' },
    { permission: 'tickets.reopen', from: 'RESOLVED', to: 'OPEN' },
  ];

  it('names every permission of the SPEC table', () => {
    expect(new Set(cases.map((c) => c.permission))).toEqual(
      new Set(SPEC_TABLE.map((row) => row.permission)),
    );
  });

  it.each(cases)(
    'refuses $from -> $to without $permission (403, audited), and allows it with just that one',
    async ({ permission, from, to }) => {
      const lacking = await createPersonWith(
        t,
        acme,
        TICKET_PERMISSIONS.filter((p) => p !== permission),
      );
      const ticket = await ticketIn(from);
      const denied = await move(ticket.id, { target_state: to, comments: COMMENTS }, lacking.token);
      expect(denied.statusCode, denied.body).toBe(403);
      expect(denied.data).toMatchObject({
        error: { code: 'PERMISSION_DENIED', details: { required_permission: permission } },
        status: 403,
      });
      const denials = await denialsOf(t, lacking.id);
      expect(denials).toEqual([
        {
          id: expect.any(String),
          required_permission: permission,
          action_attempted: expect.stringContaining(ticket.id),
          risk_level: 'LOW',
        },
      ]);
      expect(denials[0]!.action_attempted).toContain(from);
      expect(denials[0]!.action_attempted).toContain(to);
      await expectUnchanged(ticket.id, from, ticket.version);

      const holder = await createPersonWith(t, acme, [permission]);
      const allowed = await move(ticket.id, { target_state: to, comments: COMMENTS }, holder.token);
      expect(allowed.statusCode, allowed.body).toBe(200);
      expect(await rowOf(ticket.id)).toEqual({ status: to, version: ticket.version + 1 });
    },
  );

  it('raises the risk level of repeated denials by one person', async () => {
    const person = await createPersonWith(t, acme, ['tickets.view']);
    const ticket = await ticketIn('NEW');
    for (let i = 0; i < 2; i += 1) {
      const denied = await move(ticket.id, { target_state: 'OPEN' }, person.token);
      expect(denied.statusCode).toBe(403);
    }
    expect((await denialsOf(t, person.id)).map((denial) => denial.risk_level)).toEqual([
      'LOW',
      'MEDIUM',
    ]);
  });
});

describe('terminal tickets', () => {
  it.each(['CLOSED', 'CANCELLED'])('refuses every target state from %s', async (terminal) => {
    const ticket = await ticketIn(terminal);
    for (const to of STATES) {
      const response = await move(ticket.id, { target_state: to, comments: COMMENTS });
      expect(response.statusCode, `${terminal} -> ${to}`).toBe(409);
      expect(response.data.error).toMatchObject({ code: 'INVALID_STATE_TRANSITION' });
    }
    await expectUnchanged(ticket.id, terminal, ticket.version);
    const options = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/tickets/${ticket.id}/transitions`,
    });
    expect(options.statusCode).toBe(200);
    expect(options.data).toEqual({
      current_state: terminal,
      version: ticket.version,
      transitions: [],
    });
  });
});
