import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type Body, type TestApp } from '../../../test/app.js';
import {
  bulk,
  bulkExpectations,
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
import { createRecord, createSite } from '../../../test/records.js';
import { forceStatus } from '../../../test/transitions.js';
import { withPlatformTxBypassingRls } from '../../platform/db/transactions.js';

/**
 * The four task bulk endpoints of SPEC §8, each through its own cases: what it changes, the
 * audit it writes, the warnings and the per-record failures it reports. The engine's modes, id
 * rules and idempotency are tested once, in test/bulk-operations.test.ts.
 */

let t: TestApp;
let acme: TestTenant;
let site: string;
/** Holds tasks.view only; also the person work is assigned to. */
let viewer: TestPerson;
/** Holds tasks.view and tasks.update, not tasks.assign nor any move but the tasks.update ones. */
let updater: TestPerson;
/** Holds tasks.view and tasks.assign, not tasks.update. */
let assigner: TestPerson;
let otherPerson: string;

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  site = (await createSite(t, acme.adminToken)).id;
  viewer = await createPersonWith(t, acme, ['tasks.view']);
  updater = await createPersonWith(t, acme, ['tasks.view', 'tasks.update']);
  assigner = await createPersonWith(t, acme, ['tasks.view', 'tasks.assign']);
  otherPerson = (await createTenant(t, 'Globex')).adminId;
});
afterAll(() => t.close());

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

/** A task in `status`, assigned to the tenant's admin unless the payload says otherwise. */
async function taskIn(status: string, payload: Body = {}): Promise<string> {
  const task = await createRecord(t, acme.adminToken, 'tasks', {
    title: 'Inspect chiller',
    site_id: site,
    assignee_id: acme.adminId,
    ...payload,
  });
  expect(task.version).toBe(1);
  if (status !== 'ASSIGNED') await forceStatus(t, 'tasks', task.id, status);
  return task.id;
}

const send = (name: string, payload: Body, token = acme.adminToken) =>
  bulk(t, token, 'tasks', name, payload);
const { expectStates, expectDenied } = bulkExpectations(() => t, 'tasks', 'task');

/** The STATE_CHANGED entry of a move, at version 2, with the status change among its changes. */
const moved = (from: string, to: string, reason: string | null, metadata: Body = {}) => ({
  from_state: from,
  to_state: to,
  transition_reason: reason,
  changes: expect.objectContaining({ status: { old: from, new: to } }),
  metadata: { version: 2, ...metadata },
});

/** A timestamp stamped by this request: within the last minute. */
const justNow = (value: unknown) => {
  const at = new Date(value as string).getTime();
  expect(Math.abs(Date.now() - at)).toBeLessThan(60_000);
};

describe('POST /tasks/bulk/transition', () => {
  it('moves every record to target_state, stamping started_at, with the comments as reason', async () => {
    const ids = [await taskIn('ASSIGNED'), await taskIn('ASSIGNED')];
    const report = expectAllCommitted(
      await send('transition', { ids, target_state: 'WORKING', comments: 'Crew on site' }),
      { operationType: 'task.transition', ids },
    );
    await expectStates({ [ids[0]!]: ['WORKING', 2], [ids[1]!]: ['WORKING', 2] });
    const rows = await rowsOf(t, 'tasks', ids);
    const entries = await expectBulkAudit(t, report, {
      entity: 'task',
      eventType: 'STATE_CHANGED',
      changed: Object.fromEntries(
        ids.map((id) => [id, moved('ASSIGNED', 'WORKING', 'Crew on site')]),
      ),
      bulkMetadata: { target_state: 'WORKING', rollback_on_error: true },
    });
    for (const id of ids) {
      justNow(rows.get(id)!.started_at);
      const { changes } = entries.find((entry) => entry.entity_id === id)!;
      expect(Object.keys(changes!).sort()).toEqual(['started_at', 'status']);
      expect(changes!.started_at!.old).toBeNull();
      expect(Date.parse(changes!.started_at!.new as string)).toBe(
        new Date(rows.get(id)!.started_at as string).getTime(),
      );
    }
  });

  it('reports SLA_BREACH for a task past due_at + grace_minutes, and none for one within grace', async () => {
    const breached = await taskIn('ASSIGNED', { due_at: minutesFromNow(-120), grace_minutes: 30 });
    const inGrace = await taskIn('ASSIGNED', { due_at: minutesFromNow(-10), grace_minutes: 60 });
    const ids = [breached, inGrace];
    const report = expectAllCommitted(
      await send('transition', { ids, target_state: 'INPROGRESS' }),
      {
        operationType: 'task.transition',
        ids,
        warnings: [{ id: breached, code: 'SLA_BREACH', message: expect.stringMatching(/due by/) }],
      },
    );
    await expectBulkAudit(t, report, {
      entity: 'task',
      eventType: 'STATE_CHANGED',
      changed: {
        [breached]: moved('ASSIGNED', 'INPROGRESS', null, { warnings: ['SLA_BREACH'] }),
        [inGrace]: moved('ASSIGNED', 'INPROGRESS', null),
      },
    });
  });

  it('writes each record its own changes when the records of one request change different fields', async () => {
    const earlier = '2026-01-05T08:00:00.000Z';
    const assigned = await taskIn('ASSIGNED');
    const maintained = await taskIn('ASSIGNED');
    const completed = await taskIn('ASSIGNED');
    await withPlatformTxBypassingRls(t.database.db, (tx) =>
      sql`update tasks set status = 'MAINTENANCE', started_at = ${earlier}
        where id = ${maintained}`.execute(tx),
    );
    await withPlatformTxBypassingRls(t.database.db, (tx) =>
      sql`update tasks set status = 'COMPLETED', started_at = ${earlier}, completed_at = ${earlier}
        where id = ${completed}`.execute(tx),
    );
    const ids = [assigned, maintained, completed];
    const report = expectAllCommitted(
      await send('transition', { ids, target_state: 'INPROGRESS', comments: 'Leak again' }),
      { operationType: 'task.transition', ids },
    );
    const rows = await rowsOf(t, 'tasks', ids);
    justNow(rows.get(assigned)!.started_at);
    expect(rows.get(assigned)).toMatchObject({ status: 'INPROGRESS', completed_at: null });
    expect(rows.get(maintained)).toMatchObject({
      status: 'INPROGRESS',
      started_at: new Date(earlier),
      completed_at: null,
    });
    expect(rows.get(completed)).toMatchObject({
      status: 'INPROGRESS',
      started_at: new Date(earlier),
      completed_at: null,
    });
    const entries = await expectBulkAudit(t, report, {
      entity: 'task',
      eventType: 'STATE_CHANGED',
      changed: {
        [assigned]: moved('ASSIGNED', 'INPROGRESS', 'Leak again'),
        [maintained]: moved('MAINTENANCE', 'INPROGRESS', 'Leak again'),
        [completed]: moved('COMPLETED', 'INPROGRESS', 'Leak again'),
      },
    });
    const changesOf = (id: string) => entries.find((entry) => entry.entity_id === id)!.changes!;
    expect(Object.keys(changesOf(assigned)).sort()).toEqual(['started_at', 'status']);
    expect(changesOf(maintained)).toEqual({ status: { old: 'MAINTENANCE', new: 'INPROGRESS' } });
    expect(changesOf(completed)).toEqual({
      status: { old: 'COMPLETED', new: 'INPROGRESS' },
      completed_at: { old: expect.any(String), new: null },
    });
    expect(Date.parse(changesOf(completed).completed_at!.old as string)).toBe(Date.parse(earlier));
  });

  it('fails a task without an assignee (ASSIGNEE_REQUIRED) and an AUTOCLOSED one; commits the rest (partial)', async () => {
    const ready = await taskIn('ASSIGNED');
    const nobody = await taskIn('ASSIGNED', { assignee_id: null });
    const closed = await taskIn('AUTOCLOSED');
    const report = reportOf(
      await send('transition', {
        ids: [ready, nobody, closed],
        target_state: 'WORKING',
        rollback_on_error: false,
      }),
    );
    expect(report).toMatchObject({
      total_items: 3,
      successful_items: 1,
      failed_items: 2,
      success_rate: 33.33,
      successful_ids: [ready],
      was_rolled_back: false,
    });
    expectFailures(report, {
      [nobody]: ['BUSINESS_RULE_VIOLATION', /ASSIGNEE_REQUIRED/],
      [closed]: ['INVALID_STATE_TRANSITION', /AUTOCLOSED to WORKING/],
    });
    await expectStates({
      [ready]: ['WORKING', 2],
      [nobody]: ['ASSIGNED', 1],
      [closed]: ['AUTOCLOSED', 1],
    });
    await expectBulkAudit(t, report, {
      entity: 'task',
      eventType: 'STATE_CHANGED',
      changed: { [ready]: moved('ASSIGNED', 'WORKING', null) },
    });
  });

  it('fails every record without comments where the move needs them (COMMENTS_REQUIRED)', async () => {
    const ids = [await taskIn('INPROGRESS'), await taskIn('WORKING')];
    const report = reportOf(await send('transition', { ids, target_state: 'STANDBY' }));
    expectFailures(report, {
      [ids[0]!]: ['BUSINESS_RULE_VIOLATION', /COMMENTS_REQUIRED/],
      [ids[1]!]: ['BUSINESS_RULE_VIOLATION', /COMMENTS_REQUIRED/],
    });
    await expectStates({ [ids[0]!]: ['INPROGRESS', 1], [ids[1]!]: ['WORKING', 1] });
  });

  it("fails every record for a person without the move's permission", async () => {
    const ids = [await taskIn('WORKING')];
    const response = await send('transition', { ids, target_state: 'MAINTENANCE' }, updater.token);
    await expectDenied(response, updater, ids, 'tasks.change_status');
    await expectStates({ [ids[0]!]: ['WORKING', 1] });
  });
});

describe('POST /tasks/bulk/start', () => {
  it('starts every ASSIGNED task, stamping started_at', async () => {
    const ids = [await taskIn('ASSIGNED'), await taskIn('ASSIGNED')];
    const report = expectAllCommitted(await send('start', { ids }), {
      operationType: 'task.start',
      ids,
    });
    await expectStates({ [ids[0]!]: ['INPROGRESS', 2], [ids[1]!]: ['INPROGRESS', 2] });
    const rows = await rowsOf(t, 'tasks', ids);
    for (const id of ids) justNow(rows.get(id)!.started_at);
    await expectBulkAudit(t, report, {
      entity: 'task',
      eventType: 'STATE_CHANGED',
      changed: Object.fromEntries(ids.map((id) => [id, moved('ASSIGNED', 'INPROGRESS', null)])),
      bulkMetadata: { target_state: 'INPROGRESS', rollback_on_error: true },
    });
  });

  it('fails a task without an assignee and one already started; all-or-nothing keeps all', async () => {
    const ready = await taskIn('ASSIGNED');
    const nobody = await taskIn('ASSIGNED', { assignee_id: null });
    const started = await taskIn('INPROGRESS');
    const report = reportOf(await send('start', { ids: [ready, nobody, started] }));
    expectFailures(report, {
      [nobody]: ['BUSINESS_RULE_VIOLATION', /ASSIGNEE_REQUIRED/],
      [started]: ['INVALID_STATE_TRANSITION', /INPROGRESS to INPROGRESS/],
    });
    expect(report).toMatchObject({
      successful_ids: [],
      was_rolled_back: true,
      rolled_back_ids: [ready],
    });
    await expectStates({
      [ready]: ['ASSIGNED', 1],
      [nobody]: ['ASSIGNED', 1],
      [started]: ['INPROGRESS', 1],
    });
    const rows = await rowsOf(t, 'tasks', [ready]);
    expect(rows.get(ready)).toMatchObject({ started_at: null });
  });

  it('fails every record for a person without tasks.start', async () => {
    const ids = [await taskIn('ASSIGNED'), await taskIn('ASSIGNED')];
    await expectDenied(await send('start', { ids }, updater.token), updater, ids, 'tasks.start');
    await expectStates({ [ids[0]!]: ['ASSIGNED', 1], [ids[1]!]: ['ASSIGNED', 1] });
  });
});

describe('POST /tasks/bulk/complete', () => {
  it('completes every task from the states that may complete, stamping completed_at', async () => {
    const ids = [
      await taskIn('INPROGRESS'),
      await taskIn('WORKING'),
      await taskIn('PARTIALLYCOMPLETED', { requires_photo: true }),
    ];
    // The third one needs its photo, which a PATCH records (version 2).
    const patched = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/tasks/${ids[2]}`,
      payload: { photo_count: 1 },
    });
    expect(patched.statusCode, patched.body).toBe(200);

    const report = expectAllCommitted(await send('complete', { ids, comments: 'All good' }), {
      operationType: 'task.complete',
      ids,
    });
    await expectStates({
      [ids[0]!]: ['COMPLETED', 2],
      [ids[1]!]: ['COMPLETED', 2],
      [ids[2]!]: ['COMPLETED', 3],
    });
    const rows = await rowsOf(t, 'tasks', ids);
    for (const id of ids) justNow(rows.get(id)!.completed_at);
    const entries = await expectBulkAudit(t, report, {
      entity: 'task',
      eventType: 'STATE_CHANGED',
      changed: {
        [ids[0]!]: moved('INPROGRESS', 'COMPLETED', 'All good'),
        [ids[1]!]: moved('WORKING', 'COMPLETED', 'All good'),
        [ids[2]!]: {
          ...moved('PARTIALLYCOMPLETED', 'COMPLETED', 'All good'),
          metadata: { version: 3 },
        },
      },
    });
    for (const entry of entries.slice(1)) {
      expect(Object.keys(entry.changes!).sort()).toEqual(['completed_at', 'status']);
      expect(entry.changes!.completed_at!.old).toBeNull();
    }
  });

  it('fails a task missing its required photo (COMPLETION_REQUIREMENTS) and an ASSIGNED one (partial)', async () => {
    const ready = await taskIn('INPROGRESS');
    const noPhoto = await taskIn('INPROGRESS', { requires_photo: true });
    const assigned = await taskIn('ASSIGNED');
    const report = reportOf(
      await send('complete', { ids: [ready, noPhoto, assigned], rollback_on_error: false }),
    );
    expect(report).toMatchObject({ successful_ids: [ready], was_rolled_back: false });
    expectFailures(report, {
      [noPhoto]: ['BUSINESS_RULE_VIOLATION', /COMPLETION_REQUIREMENTS/],
      [assigned]: ['INVALID_STATE_TRANSITION', /ASSIGNED to COMPLETED/],
    });
    await expectStates({
      [ready]: ['COMPLETED', 2],
      [noPhoto]: ['INPROGRESS', 1],
      [assigned]: ['ASSIGNED', 1],
    });
    const rows = await rowsOf(t, 'tasks', [noPhoto]);
    expect(rows.get(noPhoto)).toMatchObject({ completed_at: null });
  });

  it('fails every record for a person without tasks.complete', async () => {
    const ids = [await taskIn('INPROGRESS')];
    await expectDenied(
      await send('complete', { ids }, updater.token),
      updater,
      ids,
      'tasks.complete',
    );
    await expectStates({ [ids[0]!]: ['INPROGRESS', 1] });
  });
});

describe('POST /tasks/bulk/assign', () => {
  it('sets assignee_id on every record, one UPDATED entry each', async () => {
    const unassigned = await taskIn('ASSIGNED', { assignee_id: null });
    const reassigned = await taskIn('STANDBY');
    const ids = [unassigned, reassigned];
    const report = expectAllCommitted(await send('assign', { ids, assigned_to_user: viewer.id }), {
      operationType: 'task.assign',
      ids,
    });
    const rows = await rowsOf(t, 'tasks', ids);
    expect(rows.get(unassigned)).toMatchObject({
      status: 'ASSIGNED',
      version: 2,
      assignee_id: viewer.id,
    });
    expect(rows.get(reassigned)).toMatchObject({
      status: 'STANDBY',
      version: 2,
      assignee_id: viewer.id,
    });
    await expectBulkAudit(t, report, {
      entity: 'task',
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

  it('fails a missing record and commits the rest (partial)', async () => {
    const task = await taskIn('ASSIGNED', { assignee_id: null });
    const missing = randomUUID();
    const report = reportOf(
      await send('assign', {
        ids: [missing, task],
        assigned_to_user: viewer.id,
        rollback_on_error: false,
      }),
    );
    expect(report.successful_ids).toEqual([task]);
    expectFailures(report, { [missing]: ['ENTITY_NOT_FOUND', /Task not found/] });
    const rows = await rowsOf(t, 'tasks', [task]);
    expect(rows.get(task)).toMatchObject({ version: 2, assignee_id: viewer.id });
  });

  it.each([
    ["another tenant's person", () => otherPerson],
    ['a made-up person', () => randomUUID()],
  ])('to %s is 400 VALIDATION_ERROR and changes nothing', async (_case, person) => {
    const id = await taskIn('ASSIGNED', { assignee_id: null });
    const response = await send('assign', { ids: [id], assigned_to_user: person() });
    await expectRefusedRequest(t, response, 'VALIDATION_ERROR');
    expect(response.data.error).toMatchObject({
      details: { errors: [{ path: '/assigned_to_user' }] },
    });
    const rows = await rowsOf(t, 'tasks', [id]);
    expect(rows.get(id)).toMatchObject({ version: 1, assignee_id: null });
  });

  it('to a deleted person is 400 VALIDATION_ERROR and changes nothing', async () => {
    const leaver = await createPersonWith(t, acme, []);
    const deleted = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/people/${leaver.id}`,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const id = await taskIn('ASSIGNED', { assignee_id: null });
    const response = await send('assign', { ids: [id], assigned_to_user: leaver.id });
    await expectRefusedRequest(t, response, 'VALIDATION_ERROR');
    const rows = await rowsOf(t, 'tasks', [id]);
    expect(rows.get(id)).toMatchObject({ version: 1, assignee_id: null });
  });

  it('an assigned_to_user that is not a uuid is 400 VALIDATION_ERROR', async () => {
    const id = await taskIn('ASSIGNED');
    const response = await send('assign', { ids: [id], assigned_to_user: 'admin' });
    await expectRefusedRequest(t, response, 'VALIDATION_ERROR');
    await expectStates({ [id]: ['ASSIGNED', 1] });
  });

  it.each([
    ['tasks.update alone', () => updater, 'tasks.assign'],
    ['tasks.assign alone', () => assigner, 'tasks.update'],
  ])('with %s fails every record PERMISSION_DENIED', async (_case, person, missing) => {
    const ids = [await taskIn('ASSIGNED'), await taskIn('INPROGRESS')];
    const response = await send('assign', { ids, assigned_to_user: viewer.id }, person().token);
    await expectDenied(response, person(), ids, missing);
    const rows = await rowsOf(t, 'tasks', ids);
    for (const id of ids) {
      expect(rows.get(id)).toMatchObject({ version: 1, assignee_id: acme.adminId });
    }
  });
});
