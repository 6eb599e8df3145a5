import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type Body, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { createRecord } from '../../../test/records.js';
import {
  denialsOf,
  expectApplied,
  expectGate,
  expectNoWayOut,
  expectPairOutcome,
  expectRule,
  expectUntouched,
  forceStatus,
  orderedPairs,
  transition,
  withBlankComments,
} from '../../../test/transitions.js';

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

const expectUnchanged = (id: string, status: string, version: number) =>
  expectUntouched(t, 'tickets', id, status, version);

const move = (id: string, payload: Body, token = acme.adminToken) =>
  transition(t, token, 'tickets', id, payload);

describe('every ordered pair of ticket states', () => {
  const pairs = orderedPairs(STATES, SPEC_TABLE);

  it('covers SPEC §6 with 17 allowed pairs out of 49', () => {
    expect(pairs).toHaveLength(49);
    expect(pairs.filter((pair) => pair.expected === 200)).toHaveLength(17);
  });

  it.each(pairs)('$from -> $to answers $expected', async ({ from, to, allowed }) => {
    const ticket = await ticketIn(from);
    const response = await move(ticket.id, { target_state: to, comments: COMMENTS });
    await expectPairOutcome(t, response, {
      table: 'tickets',
      id: ticket.id,
      from,
      to,
      version: ticket.version,
      allowed,
      actorId: acme.adminId,
      reason: COMMENTS,
    });
  });
});

describe('ticket comments', () => {
  it.each(withBlankComments(SPEC_TABLE.filter((row) => row.comments)))(
    '$from -> $to with comments $case: 422 COMMENTS_REQUIRED',
    async ({ from, to, comments }) => {
      const ticket = await ticketIn(from);
      const response = await move(ticket.id, { target_state: to, comments });
      expectRule(response, 'COMMENTS_REQUIRED');
      await expectUnchanged(ticket.id, from, ticket.version);
    },
  );

  it.each(SPEC_TABLE.filter((row) => !row.comments))(
    '$from -> $to needs no comments',
    async ({ from, to }) => {
      const ticket = await ticketIn(from);
      const response = await move(ticket.id, { target_state: to });
      await expectApplied(t, response, {
        table: 'tickets',
        id: ticket.id,
        from,
        to,
        version: ticket.version,
        actorId: acme.adminId,
        reason: null,
      });
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
      const ticket = await ticketIn(from);
      await expectGate(t, acme, {
        path: 'tickets',
        table: 'tickets',
        record: ticket,
        from,
        to,
        permission,
        permissions: TICKET_PERMISSIONS,
        payload: { comments: COMMENTS },
      });
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
    await expectNoWayOut(t, acme.adminToken, 'tickets', {
      table: 'tickets',
      id: ticket.id,
      from: terminal,
      version: ticket.version,
      states: STATES,
      payload: { comments: COMMENTS },
    });
  });
});
