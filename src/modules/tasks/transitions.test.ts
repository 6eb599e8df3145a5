import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type Body, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { createRecord, createSite } from '../../../test/records.js';
import {
  expectDenied,
  expectNoWayOut,
  expectPairOutcome,
  expectRule,
  forceStatus,
  orderedPairs,
  stateChangesOf,
  transition,
} from '../../../test/transitions.js';
import { withPlatformTxBypassingRls } from '../../platform/db/transactions.js';

let t: TestApp;
let acme: TestTenant;
let siteId: string;

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  siteId = (await createSite(t, acme.adminToken)).id;
});
afterAll(() => t.close());

const STATES = [
  'ASSIGNED',
  'INPROGRESS',
  'WORKING',
  'STANDBY',
  'MAINTENANCE',
  'PARTIALLYCOMPLETED',
  'COMPLETED',
  'AUTOCLOSED',
];

/** SPEC §6's task table, pair by pair, written out from the SPEC (not from the definition). */
const SPEC_PAIRS = [
  'ASSIGNED>INPROGRESS',
  'ASSIGNED>WORKING',
  'ASSIGNED>STANDBY',
  'INPROGRESS>STANDBY',
  'WORKING>STANDBY',
  'INPROGRESS>WORKING',
  'WORKING>INPROGRESS',
  'INPROGRESS>COMPLETED',
  'WORKING>COMPLETED',
  'PARTIALLYCOMPLETED>COMPLETED',
  'INPROGRESS>PARTIALLYCOMPLETED',
  'WORKING>PARTIALLYCOMPLETED',
  'WORKING>MAINTENANCE',
  'INPROGRESS>ASSIGNED',
  'STANDBY>ASSIGNED',
  'STANDBY>INPROGRESS',
  'STANDBY>WORKING',
  'MAINTENANCE>WORKING',
  'MAINTENANCE>INPROGRESS',
  'PARTIALLYCOMPLETED>WORKING',
  'PARTIALLYCOMPLETED>INPROGRESS',
  'COMPLETED>AUTOCLOSED',
  'COMPLETED>INPROGRESS',
];
const listed = new Set(SPEC_PAIRS);

const ALL_PAIRS = orderedPairs(STATES, SPEC_PAIRS);

const TASK_PERMISSIONS = [
  'tasks.view',
  'tasks.create',
  'tasks.update',
  'tasks.delete',
  'tasks.start',
  'tasks.complete',
  'tasks.hold',
  'tasks.change_status',
  'tasks.close',
  'tasks.reopen',
  'tasks.assign',
];

type Task = Body & { id: string; version: number };

/** A task of the tenant, assigned to its admin unless the payload says otherwise. */
const createTask = (payload: Body = {}): Promise<Task> =>
  createRecord(t, acme.adminToken, 'tasks', {
    title: 'Inspect chiller',
    site_id: siteId,
    assignee_id: acme.adminId,
    ...payload,
  });

async function taskIn(status: string, payload: Body = {}): Promise<Task> {
  const task = await createTask(payload);
  await forceStatus(t, 'tasks', task.id, status);
  return task;
}

const move = (id: string, payload: Body, token = acme.adminToken) =>
  transition(t, token, 'tasks', id, payload);

const patch = (id: string, payload: Body) =>
  call(t, acme.adminToken, { method: 'PATCH', url: `/api/v1/tasks/${id}`, payload });

const rowOf = (id: string) =>
  withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );

const errorOf = (response: { data: Body }) =>
  response.data.error as { code: string; details?: Record<string, unknown> };

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

describe('task transitions: every ordered pair of states', () => {
  it('lists 23 pairs from the SPEC table', () => {
    expect(listed.size).toBe(23);
    expect(ALL_PAIRS).toHaveLength(64);
  });

  it.each(ALL_PAIRS.map(({ from, to, allowed }) => [from, to, allowed] as const))(
    '%s -> %s succeeds exactly when SPEC §6 lists it',
    async (from, to, allowed) => {
      const task = await taskIn(from);
      const response = await move(task.id, { target_state: to, comments: 'Per the schedule' });
      await expectPairOutcome(t, response, {
        table: 'tasks',
        id: task.id,
        from,
        to,
        version: task.version,
        allowed,
        actorId: acme.adminId,
        reason: 'Per the schedule',
      });
    },
  );

  it('offers, from each state, exactly the targets the SPEC lists', async () => {
    for (const from of STATES) {
      const task = await taskIn(from);
      const options = await call(t, acme.adminToken, {
        method: 'GET',
        url: `/api/v1/tasks/${task.id}/transitions`,
      });
      expect(options.statusCode, options.body).toBe(200);
      expect(options.data.current_state).toBe(from);
      const offered = (options.data.transitions as { to_state: string }[]).map((o) => o.to_state);
      const expected = SPEC_PAIRS.filter((pair) => pair.startsWith(`${from}>`)).map(
        (pair) => pair.split('>')[1],
      );
      expect(offered.sort(), from).toEqual(expected.sort());
    }
  });

  it('refuses every target from AUTOCLOSED, and leaves the task as it was', async () => {
    const task = await taskIn('AUTOCLOSED');
    await expectNoWayOut(t, acme.adminToken, 'tasks', {
      table: 'tasks',
      id: task.id,
      from: 'AUTOCLOSED',
      version: 1,
      states: STATES,
      payload: { comments: 'Try anyway' },
    });
  });
});

describe('task transition rules', () => {
  it('ASSIGNEE_REQUIRED: starting needs an assignee, and passes once there is one', async () => {
    const task = await createTask({ assignee_id: null });
    for (const target of ['INPROGRESS', 'WORKING']) {
      const refused = await move(task.id, { target_state: target });
      expectRule(refused, 'ASSIGNEE_REQUIRED');
    }
    expect(await rowOf(task.id)).toMatchObject({ status: 'ASSIGNED', version: 1 });

    expect((await patch(task.id, { assignee_id: acme.adminId })).statusCode).toBe(200);
    const started = await move(task.id, { target_state: 'INPROGRESS' });
    expect(started.statusCode, started.body).toBe(200);
    expect(started.data).toMatchObject({ status: 'INPROGRESS', version: 3 });
  });

  const requirements: [string, Body][] = [
    ['requires_observation', { observations: ['Pressure normal'] }],
    [
      'requires_meter_reading',
      {
        meter_readings: [
          { meter: 'M1', value: 12.5, unit: 'bar', recorded_at: '2026-01-01T08:00:00Z' },
        ],
      },
    ],
    ['requires_photo', { photo_count: 1 }],
  ];

  it.each(requirements)(
    'COMPLETION_REQUIREMENTS: %s fails until the task has it',
    async (flag, provided) => {
      const task = await taskIn('INPROGRESS', { [flag]: true });
      const refused = await move(task.id, { target_state: 'COMPLETED' });
      expect(refused.statusCode, refused.body).toBe(422);
      expect(errorOf(refused)).toMatchObject({ details: { rule: 'COMPLETION_REQUIREMENTS' } });
      expect(await rowOf(task.id)).toMatchObject({ status: 'INPROGRESS', completed_at: null });

      expect((await patch(task.id, provided)).statusCode).toBe(200);
      const completed = await move(task.id, { target_state: 'COMPLETED' });
      expect(completed.statusCode, completed.body).toBe(200);
      expect(completed.data).toMatchObject({ status: 'COMPLETED' });
    },
  );

  it('COMPLETION_REQUIREMENTS: a task requiring all three completes only with all three', async () => {
    const task = await taskIn('WORKING', {
      requires_observation: true,
      requires_meter_reading: true,
      requires_photo: true,
    });
    for (const [, provided] of requirements) {
      const refused = await move(task.id, { target_state: 'COMPLETED' });
      expect(refused.statusCode, refused.body).toBe(422);
      expect(errorOf(refused).details).toMatchObject({ rule: 'COMPLETION_REQUIREMENTS' });
      expect((await patch(task.id, provided)).statusCode).toBe(200);
    }
    const completed = await move(task.id, { target_state: 'COMPLETED' });
    expect(completed.statusCode, completed.body).toBe(200);
  });

  it('COMMENTS_REQUIRED: hold and reopen need non-blank comments', async () => {
    const held = await taskIn('INPROGRESS');
    for (const comments of [undefined, '', '   ']) {
      const refused = await move(held.id, { target_state: 'STANDBY', comments });
      expectRule(refused, 'COMMENTS_REQUIRED');
    }
    const holding = await move(held.id, { target_state: 'STANDBY', comments: 'Waiting for parts' });
    expect(holding.statusCode, holding.body).toBe(200);

    const done = await taskIn('COMPLETED');
    const refused = await move(done.id, { target_state: 'INPROGRESS' });
    expect(refused.statusCode).toBe(422);
    expect(errorOf(refused).details).toMatchObject({ rule: 'COMMENTS_REQUIRED' });
    const reopened = await move(done.id, { target_state: 'INPROGRESS', comments: 'Leak again' });
    expect(reopened.statusCode, reopened.body).toBe(200);
    expect((await stateChangesOf(t, done.id)).at(-1)).toMatchObject({
      from_state: 'COMPLETED',
      to_state: 'INPROGRESS',
      transition_reason: 'Leak again',
    });
  });

  it('sets started_at on the first start and keeps it on later starts', async () => {
    const task = await createTask();
    expect(task.started_at).toBeNull();
    const before = Date.now();
    const started = await move(task.id, { target_state: 'INPROGRESS' });
    expect(started.statusCode, started.body).toBe(200);
    const startedAt = started.data.started_at as string;
    expect(Date.parse(startedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(startedAt)).toBeLessThanOrEqual(Date.now() + 1000);
    expect((await rowOf(task.id)).started_at).toEqual(new Date(startedAt));
    expect((await stateChangesOf(t, task.id))[0]!.changes).toMatchObject({
      status: { old: 'ASSIGNED', new: 'INPROGRESS' },
      started_at: { old: null },
    });

    await new Promise((resolve) => setTimeout(resolve, 20));
    const steps = [
      { target_state: 'STANDBY', comments: 'Waiting for parts' },
      { target_state: 'WORKING' },
      { target_state: 'INPROGRESS' },
      { target_state: 'ASSIGNED' },
      { target_state: 'WORKING' },
    ];
    for (const step of steps) {
      const response = await move(task.id, step);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.data.started_at).toBe(startedAt);
    }
    expect((await rowOf(task.id)).started_at).toEqual(new Date(startedAt));
  });

  it('sets completed_at on COMPLETED and clears it on reopen', async () => {
    const task = await taskIn('PARTIALLYCOMPLETED');
    const completed = await move(task.id, { target_state: 'COMPLETED' });
    expect(completed.statusCode, completed.body).toBe(200);
    const completedAt = completed.data.completed_at as string;
    expect(Math.abs(Date.parse(completedAt) - Date.now())).toBeLessThan(60_000);
    expect((await rowOf(task.id)).completed_at).toEqual(new Date(completedAt));

    const reopened = await move(task.id, { target_state: 'INPROGRESS', comments: 'Not fixed' });
    expect(reopened.statusCode, reopened.body).toBe(200);
    expect(reopened.data).toMatchObject({ status: 'INPROGRESS', completed_at: null });
    expect((await rowOf(task.id)).completed_at).toBeNull();
    const reopenEntry = (await stateChangesOf(t, task.id)).at(-1)!;
    expect(reopenEntry.changes).toMatchObject({
      status: { old: 'COMPLETED', new: 'INPROGRESS' },
      completed_at: { new: null },
    });
  });
});

describe('SLA breach warning', () => {
  it('warns on a transition of a task past due_at + grace_minutes', async () => {
    const task = await createTask({ due_at: minutesFromNow(-120), grace_minutes: 30 });
    const response = await move(task.id, { target_state: 'INPROGRESS' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.data.warnings).toEqual([{ code: 'SLA_BREACH', message: expect.any(String) }]);
    expect((await stateChangesOf(t, task.id))[0]!.metadata).toMatchObject({
      warnings: ['SLA_BREACH'],
    });
  });

  it('does not warn within the grace minutes, nor before the due time, nor without one', async () => {
    const withinGrace = await createTask({ due_at: minutesFromNow(-10), grace_minutes: 60 });
    const notDue = await createTask({ due_at: minutesFromNow(60), grace_minutes: 0 });
    const noDueTime = await createTask({ due_at: null });
    for (const task of [withinGrace, notDue, noDueTime]) {
      const response = await move(task.id, { target_state: 'WORKING' });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.data.warnings).toEqual([]);
    }
  });
});

describe('task transition permissions', () => {
  /** For each permission, a move that needs it. */
  const cases: [string, string, string][] = [
    ['tasks.start', 'ASSIGNED', 'INPROGRESS'],
    ['tasks.hold', 'ASSIGNED', 'STANDBY'],
    ['tasks.update', 'INPROGRESS', 'WORKING'],
    ['tasks.complete', 'INPROGRESS', 'COMPLETED'],
    ['tasks.change_status', 'WORKING', 'MAINTENANCE'],
    ['tasks.assign', 'STANDBY', 'ASSIGNED'],
    ['tasks.close', 'COMPLETED', 'AUTOCLOSED'],
    ['tasks.reopen', 'COMPLETED', 'INPROGRESS'],
  ];

  it.each(cases)(
    'without %s, %s -> %s answers 403 and audits the denial',
    async (permission, from, to) => {
      const person = await createPersonWith(
        t,
        acme,
        TASK_PERMISSIONS.filter((p) => p !== permission),
      );
      const task = await taskIn(from);
      const response = await move(task.id, { target_state: to, comments: 'Go' }, person.token);
      await expectDenied(t, response, {
        table: 'tasks',
        id: task.id,
        from,
        to,
        version: 1,
        actorId: person.id,
        permission,
      });
      expect((await rowOf(task.id)).updated_by).toBe(acme.adminId);
    },
  );
});
