import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type Body, type TestApp } from '../../../test/app.js';
import {
  bulk,
  bulkExpectations,
  entriesOf,
  expectAllCommitted,
  expectBulkAudit,
  expectFailures,
  expectRefusedRequest,
  reportOf,
  rowsOf,
} from '../../../test/bulk.js';
import {
  createPersonWith,
  createTenant,
  type TestPerson,
  type TestTenant,
} from '../../../test/factories.js';
import { createRecord } from '../../../test/records.js';
import { forceStatus } from '../../../test/transitions.js';

/**
 * The five ticket bulk endpoints of SPEC §8, each through its own cases: what it changes, the
 * audit it writes, and the per-record failures it reports. The engine's modes, id rules and
 * idempotency are tested once, in test/bulk-operations.test.ts.
 */

const COMMENTS = 'Spoke to the requester';

let t: TestApp;
let acme: TestTenant;
/** Holds tickets.view only; also the person work is assigned to. */
let viewer: TestPerson;
/** Holds tickets.view and tickets.update only. */
let updater: TestPerson;
/** Holds tickets.view and tickets.assign only. */
let assigner: TestPerson;
let otherPerson: string;

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  viewer = await createPersonWith(t, acme, ['tickets.view']);
  updater = await createPersonWith(t, acme, ['tickets.view', 'tickets.update']);
  assigner = await createPersonWith(t, acme, ['tickets.view', 'tickets.assign']);
  otherPerson = (await createTenant(t, 'Globex')).adminId;
});
afterAll(() => t.close());

/** A MEDIUM ticket in `status`. */
async function ticketIn(status: string, payload: Body = {}): Promise<string> {
  const ticket = await createRecord(t, acme.adminToken, 'tickets', {
    title: 'Lift stuck on floor 3',
    category: 'lifts',
    ...payload,
  });
  expect(ticket).toMatchObject({ version: 1, priority: payload.priority ?? 'MEDIUM' });
  if (status !== 'NEW') await forceStatus(t, 'tickets', ticket.id, status);
  return ticket.id;
}

const send = (name: string, payload: Body, token = acme.adminToken) =>
  bulk(t, token, 'tickets', name, payload);
const { expectStates, expectDenied } = bulkExpectations(() => t, 'tickets', 'ticket');

/** The STATE_CHANGED entry of a move, at version 2. */
const moved = (from: string, to: string, reason: string | null, request?: Body) => ({
  from_state: from,
  to_state: to,
  transition_reason: reason,
  changes: { status: { old: from, new: to } },
  metadata: request ? { version: 2, request } : { version: 2 },
});

describe('POST /tickets/bulk/transition', () => {
  it('moves every record to target_state, audited with the comments and metadata', async () => {
    const ids = [await ticketIn('NEW'), await ticketIn('NEW')];
    const request = { source: 'morning triage' };
    const report = expectAllCommitted(
      await send('transition', {
        ids,
        target_state: 'INPROGRESS',
        comments: COMMENTS,
        metadata: request,
      }),
      { operationType: 'ticket.transition', ids },
    );
    await expectStates({ [ids[0]!]: ['INPROGRESS', 2], [ids[1]!]: ['INPROGRESS', 2] });
    await expectBulkAudit(t, report, {
      entity: 'ticket',
      eventType: 'STATE_CHANGED',
      changed: Object.fromEntries(
        ids.map((id) => [id, moved('NEW', 'INPROGRESS', COMMENTS, request)]),
      ),
      bulkMetadata: { target_state: 'INPROGRESS', rollback_on_error: true, request },
    });
  });

  it('fails records without comments (COMMENTS_REQUIRED) and a CLOSED one; commits none (all-or-nothing)', async () => {
    const open = await ticketIn('OPEN');
    const fresh = await ticketIn('NEW');
    const closed = await ticketIn('CLOSED');
    const report = reportOf(
      await send('transition', { ids: [open, fresh, closed], target_state: 'CANCELLED' }),
    );
    expectFailures(report, {
      [open]: ['BUSINESS_RULE_VIOLATION', /COMMENTS_REQUIRED/],
      [fresh]: ['BUSINESS_RULE_VIOLATION', /COMMENTS_REQUIRED/],
      [closed]: ['INVALID_STATE_TRANSITION', /CLOSED to CANCELLED/],
    });
    expect(report).toMatchObject({ successful_ids: [], was_rolled_back: true });
    await expectStates({ [open]: ['OPEN', 1], [fresh]: ['NEW', 1], [closed]: ['CLOSED', 1] });
  });

  it('fails a record in the wrong state and commits the rest (partial)', async () => {
    const onHold = await ticketIn('ONHOLD');
    const resolved = await ticketIn('RESOLVED');
    const report = reportOf(
      await send('transition', {
        ids: [resolved, onHold],
        target_state: 'INPROGRESS',
        rollback_on_error: false,
      }),
    );
    expect(report).toMatchObject({
      total_items: 2,
      successful_items: 1,
      failed_items: 1,
      success_rate: 50,
      successful_ids: [onHold],
      was_rolled_back: false,
    });
    expectFailures(report, { [resolved]: ['INVALID_STATE_TRANSITION', /RESOLVED to INPROGRESS/] });
    await expectStates({ [onHold]: ['INPROGRESS', 2], [resolved]: ['RESOLVED', 1] });
    await expectBulkAudit(t, report, {
      entity: 'ticket',
      eventType: 'STATE_CHANGED',
      changed: { [onHold]: moved('ONHOLD', 'INPROGRESS', null) },
    });
  });

  it("fails every record for a person without the move's permission", async () => {
    const ids = [await ticketIn('NEW')];
    const response = await send('transition', { ids, target_state: 'OPEN' }, assigner.token);
    await expectDenied(response, assigner, ids, 'tickets.update');
    await expectStates({ [ids[0]!]: ['NEW', 1] });
  });
});

describe('POST /tickets/bulk/resolve', () => {
  it('resolves every working ticket with the comments as the reason', async () => {
    const ids = [await ticketIn('OPEN'), await ticketIn('INPROGRESS'), await ticketIn('ONHOLD')];
    const report = expectAllCommitted(await send('resolve', { ids, comments: COMMENTS }), {
      operationType: 'ticket.resolve',
      ids,
    });
    await expectStates(Object.fromEntries(ids.map((id) => [id, ['RESOLVED', 2]])));
    await expectBulkAudit(t, report, {
      entity: 'ticket',
      eventType: 'STATE_CHANGED',
      changed: {
        [ids[0]!]: moved('OPEN', 'RESOLVED', COMMENTS),
        [ids[1]!]: moved('INPROGRESS', 'RESOLVED', COMMENTS),
        [ids[2]!]: moved('ONHOLD', 'RESOLVED', COMMENTS),
      },
      bulkMetadata: { target_state: 'RESOLVED', rollback_on_error: true },
    });
  });

  it('without comments fails every record COMMENTS_REQUIRED', async () => {
    const ids = [await ticketIn('OPEN')];
    const report = reportOf(await send('resolve', { ids }));
    expectFailures(report, { [ids[0]!]: ['BUSINESS_RULE_VIOLATION', /COMMENTS_REQUIRED/] });
    await expectStates({ [ids[0]!]: ['OPEN', 1] });
  });

  it('fails a NEW ticket (INVALID_STATE_TRANSITION) and commits the rest (partial)', async () => {
    const open = await ticketIn('OPEN');
    const fresh = await ticketIn('NEW');
    const report = reportOf(
      await send('resolve', { ids: [fresh, open], comments: COMMENTS, rollback_on_error: false }),
    );
    expect(report).toMatchObject({ successful_ids: [open], was_rolled_back: false });
    expectFailures(report, { [fresh]: ['INVALID_STATE_TRANSITION', /NEW to RESOLVED/] });
    await expectStates({ [open]: ['RESOLVED', 2], [fresh]: ['NEW', 1] });
  });

  it('fails every record for a person without tickets.resolve', async () => {
    const ids = [await ticketIn('OPEN'), await ticketIn('INPROGRESS')];
    const response = await send('resolve', { ids, comments: COMMENTS }, updater.token);
    await expectDenied(response, updater, ids, 'tickets.resolve');
    await expectStates({ [ids[0]!]: ['OPEN', 1], [ids[1]!]: ['INPROGRESS', 1] });
  });
});

describe('POST /tickets/bulk/close', () => {
  it('closes every RESOLVED ticket with the comments as the reason', async () => {
    const ids = [await ticketIn('RESOLVED'), await ticketIn('RESOLVED')];
    const report = expectAllCommitted(await send('close', { ids, comments: 'Confirmed fixed' }), {
      operationType: 'ticket.close',
      ids,
    });
    await expectStates({ [ids[0]!]: ['CLOSED', 2], [ids[1]!]: ['CLOSED', 2] });
    await expectBulkAudit(t, report, {
      entity: 'ticket',
      eventType: 'STATE_CHANGED',
      changed: Object.fromEntries(
        ids.map((id) => [id, moved('RESOLVED', 'CLOSED', 'Confirmed fixed')]),
      ),
      bulkMetadata: { target_state: 'CLOSED', rollback_on_error: true },
    });
  });

  it('fails records without comments (COMMENTS_REQUIRED) and an OPEN one (partial: none passes)', async () => {
    const resolved = await ticketIn('RESOLVED');
    const open = await ticketIn('OPEN');
    const report = reportOf(
      await send('close', { ids: [resolved, open], comments: '', rollback_on_error: false }),
    );
    expectFailures(report, {
      [resolved]: ['BUSINESS_RULE_VIOLATION', /COMMENTS_REQUIRED/],
      [open]: ['INVALID_STATE_TRANSITION', /OPEN to CLOSED/],
    });
    expect(report).toMatchObject({ successful_ids: [], success_rate: 0, was_rolled_back: false });
    await expectStates({ [resolved]: ['RESOLVED', 1], [open]: ['OPEN', 1] });
    const entries = await entriesOf(t, report.audit_correlation_id!);
    expect(entries.map((entry) => entry.event_type)).toEqual(['BULK_OPERATION']);
  });

  it('fails every record for a person without tickets.close', async () => {
    const ids = [await ticketIn('RESOLVED')];
    const response = await send('close', { ids, comments: COMMENTS }, updater.token);
    await expectDenied(response, updater, ids, 'tickets.close');
    await expectStates({ [ids[0]!]: ['RESOLVED', 1] });
  });
});

describe('POST /tickets/bulk/assign', () => {
  it('sets assignee_id on every record, one UPDATED entry each', async () => {
    const unassigned = await ticketIn('NEW');
    const reassigned = await ticketIn('ONHOLD', { assignee_id: acme.adminId });
    const ids = [unassigned, reassigned];
    const report = expectAllCommitted(await send('assign', { ids, assigned_to_user: viewer.id }), {
      operationType: 'ticket.assign',
      ids,
    });
    const rows = await rowsOf(t, 'tickets', ids);
    expect(rows.get(unassigned)).toMatchObject({
      status: 'NEW',
      version: 2,
      assignee_id: viewer.id,
    });
    expect(rows.get(reassigned)).toMatchObject({
      status: 'ONHOLD',
      version: 2,
      assignee_id: viewer.id,
    });
    await expectBulkAudit(t, report, {
      entity: 'ticket',
      eventType: 'UPDATED',
      changed: {
        [unassigned]: {
          changes: { assignee_id: { old: null, new: viewer.id } },
          metadata: { version: 2 },
        },
        [reassigned]: {
          changes: { assignee_id: { old: acme.adminId, new: viewer.id } },
          metadata: { version: 2 },
        },
      },
      bulkMetadata: { fields: ['assignee_id'], rollback_on_error: true },
    });
  });

  it('fails a missing record and a stale version, and commits the rest (partial)', async () => {
    const [fresh, stale] = [await ticketIn('NEW'), await ticketIn('NEW')];
    const missing = randomUUID();
    const report = reportOf(
      await send('assign', {
        ids: [fresh, stale, missing],
        assigned_to_user: viewer.id,
        versions: { [stale]: 4 },
        rollback_on_error: false,
      }),
    );
    expect(report.successful_ids).toEqual([fresh]);
    expectFailures(report, {
      [missing]: ['ENTITY_NOT_FOUND', /Ticket not found/],
      [stale]: ['CONCURRENCY_ERROR', /current version 1, yours 4/],
    });
    const rows = await rowsOf(t, 'tickets', [fresh, stale]);
    expect(rows.get(fresh)).toMatchObject({ version: 2, assignee_id: viewer.id });
    expect(rows.get(stale)).toMatchObject({ version: 1, assignee_id: null });
  });

  it.each([
    ["another tenant's person", () => otherPerson],
    ['a made-up person', () => randomUUID()],
  ])('to %s is 400 VALIDATION_ERROR and changes nothing', async (_case, person) => {
    const id = await ticketIn('OPEN');
    const response = await send('assign', { ids: [id], assigned_to_user: person() });
    await expectRefusedRequest(t, response, 'VALIDATION_ERROR');
    expect(response.data.error).toMatchObject({
      details: { errors: [{ path: '/assigned_to_user' }] },
    });
    const rows = await rowsOf(t, 'tickets', [id]);
    expect(rows.get(id)).toMatchObject({ version: 1, assignee_id: null });
  });

  it('without the permission fails each record PERMISSION_DENIED before judging the person', async () => {
    const id = await ticketIn('OPEN');
    const response = await send(
      'assign',
      { ids: [id], assigned_to_user: randomUUID() },
      updater.token,
    );
    await expectDenied(response, updater, [id], 'tickets.assign');
  });

  it.each([
    ['tickets.update alone', () => updater, 'tickets.assign'],
    ['tickets.assign alone', () => assigner, 'tickets.update'],
  ])('with %s fails every record PERMISSION_DENIED', async (_case, person, missing) => {
    const ids = [await ticketIn('NEW'), await ticketIn('OPEN')];
    const response = await send('assign', { ids, assigned_to_user: viewer.id }, person().token);
    await expectDenied(response, person(), ids, missing);
    const rows = await rowsOf(t, 'tickets', ids);
    for (const id of ids) expect(rows.get(id)).toMatchObject({ version: 1, assignee_id: null });
  });
});

describe('POST /tickets/bulk/update-priority', () => {
  it('changes priority and nothing else on every record, in any state', async () => {
    const low = await ticketIn('NEW', { priority: 'LOW', assignee_id: acme.adminId });
    const closed = await ticketIn('CLOSED', { due_at: '2030-01-01T08:00:00Z' });
    const ids = [low, closed];
    const before = await rowsOf(t, 'tickets', ids);
    const report = expectAllCommitted(
      await send('update-priority', { ids, priority: 'CRITICAL' }, updater.token),
      { operationType: 'ticket.update-priority', ids },
    );
    const after = await rowsOf(t, 'tickets', ids);
    for (const id of ids) {
      const { priority, version, updated_at, updated_by, ...rest } = after.get(id)!;
      const old = before.get(id)!;
      expect({ priority, version, updated_by }).toEqual({
        priority: 'CRITICAL',
        version: 2,
        updated_by: updater.id,
      });
      expect(updated_at).not.toEqual(old.updated_at);
      expect(rest).toEqual({
        ...old,
        priority: undefined,
        version: undefined,
        updated_at: undefined,
        updated_by: undefined,
      });
    }
    await expectBulkAudit(t, report, {
      entity: 'ticket',
      eventType: 'UPDATED',
      changed: {
        [low]: { changes: { priority: { old: 'LOW', new: 'CRITICAL' } }, metadata: { version: 2 } },
        [closed]: {
          changes: { priority: { old: 'MEDIUM', new: 'CRITICAL' } },
          metadata: { version: 2 },
        },
      },
      bulkMetadata: { fields: ['priority'], rollback_on_error: true },
    });
  });

  it.each([
    ['a priority that is not one', { priority: 'URGENT' }],
    ['a lower-case priority', { priority: 'high' }],
    ['no priority', {}],
    ['a null priority', { priority: null }],
    ['another field beside it', { priority: 'HIGH', title: 'Renamed' }],
  ])('with %s is 400 VALIDATION_ERROR and changes nothing', async (_case, body) => {
    const id = await ticketIn('OPEN');
    const response = await send('update-priority', { ids: [id], ...body });
    await expectRefusedRequest(t, response, 'VALIDATION_ERROR');
    const rows = await rowsOf(t, 'tickets', [id]);
    expect(rows.get(id)).toMatchObject({
      version: 1,
      priority: 'MEDIUM',
      title: 'Lift stuck on floor 3',
    });
  });

  it('fails a missing record and commits the rest (partial)', async () => {
    const ticket = await ticketIn('OPEN');
    const missing = randomUUID();
    const report = reportOf(
      await send('update-priority', {
        ids: [missing, ticket],
        priority: 'LOW',
        rollback_on_error: false,
      }),
    );
    expect(report.successful_ids).toEqual([ticket]);
    expectFailures(report, { [missing]: ['ENTITY_NOT_FOUND', /Ticket not found/] });
    const rows = await rowsOf(t, 'tickets', [ticket]);
    expect(rows.get(ticket)).toMatchObject({ version: 2, priority: 'LOW' });
  });

  it('fails every record for a person without tickets.update', async () => {
    const ids = [await ticketIn('OPEN'), await ticketIn('NEW')];
    const response = await send('update-priority', { ids, priority: 'HIGH' }, assigner.token);
    await expectDenied(response, assigner, ids, 'tickets.update');
    const rows = await rowsOf(t, 'tickets', ids);
    for (const id of ids) expect(rows.get(id)).toMatchObject({ version: 1, priority: 'MEDIUM' });
  });
});
