import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, onPostgres, type TestApp } from '../../test/app.js';
import { ATTENDANCE_WORKFLOW } from '../modules/attendance/index.js';
import { withPlatformTxBypassingRls } from '../platform/db/transactions.js';
import { decideTransition, describeWorkflow, type WorkflowRecord } from '../workflow/index.js';
import { WORKFLOWS } from '../workflows.js';
import { FINAL_STATE, planAttendance } from './attendance-plan.js';
import { DEMO_TENANT } from './demo-data.js';
import { TASK_STORIES, TICKET_STORIES, WORK_ORDER_STORIES } from './demo-stories.js';
import { seededRandom } from './demo-records.js';
import { demoPunches } from './seed-attendance.js';
import { seedDemo } from './seed-demo.js';

let t: TestApp;
let tenantId: string;
let adminId: string;

beforeAll(async () => {
  t = await buildTestApp();
  // The shared PostgreSQL database of a run may hold an `acme` already.
  const tenant = onPostgres
    ? { ...DEMO_TENANT, slug: `acme-${randomUUID().slice(0, 8)}` }
    : DEMO_TENANT;
  expect(await seedDemo(t.database.db, tenant)).not.toBeNull();
  const row = await withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx
      .selectFrom('tenants')
      .innerJoin('people', 'people.tenant_id', 'tenants.id')
      .select(['tenants.id', 'people.id as admin_id'])
      .where('tenants.slug', '=', tenant.slug)
      .where('people.login', '=', tenant.admin.login)
      .executeTakeFirstOrThrow(),
  );
  tenantId = row.id;
  adminId = row.admin_id;
});
afterAll(() => t.close());

interface Walk {
  id: string;
  status: string;
  steps: { from_state: string; to_state: string; reason: string | null; actor: string | null }[];
}

/** Every demo record of a workflow with its STATE_CHANGED entries, in version order. */
async function walksOf(table: string, entity: string): Promise<Walk[]> {
  const { rows } = await withPlatformTxBypassingRls(t.database.db, (tx) =>
    sql<Walk>`
      select r.id, r.status, coalesce((
        select json_agg(json_build_object('from_state', s->>'from_state',
          'to_state', s->>'to_state', 'reason', s->>'transition_reason', 'actor', a.actor_id)
          order by (a.metadata->>'version')::int)
        from audit_entries a, lateral (select a.state_transition as s) detail
        where a.tenant_id = r.tenant_id and a.entity_id = r.id
          and a.entity_type = ${entity} and a.event_type = 'STATE_CHANGED'
      ), '[]') as steps
      from ${sql.table(table)} r where r.tenant_id = ${tenantId}
      order by r.created_at, r.id`.execute(tx),
  );
  return rows;
}

describe.each(WORKFLOWS.map((workflow) => [workflow.entity, workflow] as const))(
  'the demo %s records',
  (entity, workflow) => {
    let walks: Walk[];
    beforeAll(async () => {
      walks = await walksOf(workflow.table.table, entity);
    });

    it('are in every state of the workflow', () => {
      const states = new Set(walks.map((walk) => walk.status));
      expect([...states].sort()).toEqual([...workflow.states].sort());
    });

    it('got there through the engine: a chain of STATE_CHANGED entries from the initial state', () => {
      for (const walk of walks) {
        if (walk.status !== workflow.initial) expect(walk.steps.length, walk.id).toBeGreaterThan(0);
        let state = workflow.initial;
        for (const step of walk.steps) {
          expect(step.from_state, walk.id).toBe(state);
          expect(step.actor).toBe(adminId);
          state = step.to_state;
        }
        expect(state, walk.id).toBe(walk.status);
      }
    });

    it('gave the comments as the reason wherever the transition requires them', () => {
      const needsComments = new Set(
        describeWorkflow(workflow)
          .transitions.filter((move) => move.comments_required)
          .map((move) => `${move.from_state}>${move.to_state}`),
      );
      const steps = walks.flatMap((walk) => walk.steps);
      const commented = steps.filter((s) => needsComments.has(`${s.from_state}>${s.to_state}`));
      expect(commented.length).toBeGreaterThan(0);
      for (const step of commented) expect(step.reason?.trim()).toBeTruthy();
    });
  },
);

describe('the demo story details', () => {
  it.each([
    ['work_orders', 'work_order', WORK_ORDER_STORIES],
    ['tasks', 'task', TASK_STORIES],
    ['tickets', 'ticket', TICKET_STORIES],
  ] as const)(
    'took each of the %s through its story, comments included',
    async (table, entity, stories) => {
      const walks = await walksOf(table, entity);
      expect(walks.map((walk) => walk.steps.map((s) => [s.to_state, s.reason]))).toEqual(
        stories.map((story) => story.map((step) => [step.to, step.comments ?? null])),
      );
    },
  );

  it('was never refused a transition', async () => {
    const denials = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx
        .selectFrom('audit_entries')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('event_type', '=', 'PERMISSION_DENIED')
        .execute(),
    );
    expect(denials).toEqual([]);
  });

  it('took a work order through a rejection and a resubmission, and one through a reopening', async () => {
    const walks = await walksOf('work_orders', 'work_order');
    const moves = walks.map((walk) => walk.steps.map((s) => s.to_state).join(' '));
    expect(moves).toContain('SUBMITTED DRAFT SUBMITTED');
    expect(moves.some((m) => m.includes('COMPLETED IN_PROGRESS'))).toBe(true);
  });

  it('approved only work orders with a vendor, and completed only finished checklists', async () => {
    const rows = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx
        .selectFrom('work_orders as w')
        .leftJoin('work_order_line_items as l', (join) =>
          join
            .onRef('l.tenant_id', '=', 'w.tenant_id')
            .onRef('l.work_order_id', '=', 'w.id')
            .on('l.deleted_at', 'is', null),
        )
        .select(['w.id', 'w.status', 'w.vendor_id', 'l.mandatory', 'l.done'])
        .where('w.tenant_id', '=', tenantId)
        .where('w.status', 'in', ['APPROVED', 'IN_PROGRESS', 'COMPLETED', 'CLOSED'])
        .execute(),
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.vendor_id, row.id).not.toBeNull();
    const finished = rows.filter((row) => ['COMPLETED', 'CLOSED'].includes(row.status));
    expect(finished.length).toBeGreaterThan(0);
    for (const row of finished) expect(row.done || !row.mandatory, row.id).toBe(true);
  });

  it('adjusted attendance with a reason and corrected punch times', async () => {
    const adjusted = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx
        .selectFrom('audit_entries as a')
        .innerJoin('attendance_records as r', (join) =>
          join.onRef('r.tenant_id', '=', 'a.tenant_id').onRef('r.id', '=', 'a.entity_id'),
        )
        .select([
          'a.changes',
          'a.metadata',
          'r.adjustment_reason',
          'r.punch_in_at',
          'r.punch_out_at',
        ])
        .where('a.tenant_id', '=', tenantId)
        .where(sql`a.state_transition->>'to_state'`, '=', 'ADJUSTED')
        .execute(),
    );
    expect(adjusted.length).toBeGreaterThan(0);
    for (const entry of adjusted) {
      const request = (entry.metadata as { request: Record<string, string> }).request;
      const changes = entry.changes as Record<string, { new: unknown }>;
      expect(entry.adjustment_reason).toBe(request.adjustment_reason);
      // The record holds the corrected times; a time the punch already had is no change.
      for (const field of ['punch_in_at', 'punch_out_at'] as const) {
        if (request[field] === undefined) continue;
        expect(new Date(entry[field]!).toISOString()).toBe(request[field]);
        if (changes[field]) expect(changes[field].new).toBe(request[field]);
      }
    }
    expect(adjusted.some((entry) => 'punch_out_at' in (entry.changes as object))).toBe(true);
  });
});

describe('the attendance plan', () => {
  /** Whether the engine would approve a pending demo punch at `now`, and the rule if not. */
  function blockedBy(punch: ReturnType<typeof demoPunches>[number], now: Date): string[] {
    const record = {
      id: randomUUID(),
      version: 1,
      status: 'PENDING',
      work_date: punch.workDate,
      punch_in_at: punch.punchIn.toISOString(),
      punch_out_at: punch.punchOut?.toISOString() ?? null,
      location: punch.location,
    } as WorkflowRecord;
    const facts = {
      timezone: punch.site.timezone,
      geofence: punch.site.geofence,
      shift: { start: punch.site.shift_start, end: punch.site.shift_end },
      payrollGraceDays: 3,
      otherPunchIns: [],
    };
    const input = { record, facts, comments: null, metadata: {}, now };
    const approver = new Set(['attendance.approve']);
    const decision = decideTransition(ATTENDANCE_WORKFLOW, input, 'APPROVED', approver);
    return decision.ok ? [] : [String(decision.error.details?.rule)];
  }

  // 2028 is a leap year whose months start on each day of the week. Early in a month the sites'
  // cutoffs pass at different UTC hours, so those days are tried at both ends of the UTC day.
  it('leaves every attendance state whatever day of the year the demo is seeded', () => {
    const missed: string[] = [];
    for (let day = Date.UTC(2028, 0, 1); day < Date.UTC(2029, 0, 1); day += 24 * 3600_000) {
      const hours = new Date(day).getUTCDate() <= 6 ? [0.5, 12, 23.5] : [12];
      for (const hour of hours) {
        const now = new Date(day + hour * 3600_000);
        const punches = demoPunches(now, seededRandom(20261126));
        const outcomes = planAttendance(
          punches.map((punch) => ({ workDate: punch.workDate, blockedBy: blockedBy(punch, now) })),
        );
        const states = new Set(outcomes.map((outcome) => FINAL_STATE[outcome]));
        if (states.size !== ATTENDANCE_WORKFLOW.states.length) {
          missed.push(`${now.toISOString()}: ${[...states].join(' ')}`);
        }
      }
    }
    expect(missed).toEqual([]);
  });
});
