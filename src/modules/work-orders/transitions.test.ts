import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type Body, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { createRecord, createSite } from '../../../test/records.js';
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
  statusRow,
  transition,
  withBlankComments,
} from '../../../test/transitions.js';

/**
 * The work-order state machine through the API, against SPEC §6 as written there: the tables
 * below are copied from the SPEC, not read from the definition, so a drift in either shows.
 */

const STATES = [
  'DRAFT',
  'SUBMITTED',
  'APPROVED',
  'IN_PROGRESS',
  'COMPLETED',
  'CLOSED',
  'CANCELLED',
] as const;

interface SpecTransition {
  from: string;
  to: string;
  permission: string;
  comments: boolean;
}

/** SPEC §6, work order: one row per (from, to) pair. */
const SPEC_TABLE: SpecTransition[] = [
  { from: 'DRAFT', to: 'SUBMITTED', permission: 'work_orders.update', comments: false },
  { from: 'SUBMITTED', to: 'APPROVED', permission: 'work_orders.approve', comments: false },
  { from: 'SUBMITTED', to: 'DRAFT', permission: 'work_orders.reject', comments: true },
  { from: 'APPROVED', to: 'IN_PROGRESS', permission: 'work_orders.start', comments: false },
  { from: 'IN_PROGRESS', to: 'COMPLETED', permission: 'work_orders.complete', comments: true },
  { from: 'COMPLETED', to: 'CLOSED', permission: 'work_orders.close', comments: true },
  { from: 'COMPLETED', to: 'IN_PROGRESS', permission: 'work_orders.reopen', comments: true },
  ...['DRAFT', 'SUBMITTED', 'APPROVED', 'IN_PROGRESS'].map((from) => ({
    from,
    to: 'CANCELLED',
    permission: 'work_orders.cancel',
    comments: true,
  })),
];

/** SPEC §3. */
const WORK_ORDER_PERMISSIONS = [
  'view',
  'create',
  'update',
  'delete',
  'approve',
  'reject',
  'start',
  'complete',
  'close',
  'cancel',
  'reopen',
  'assign',
].map((action) => `work_orders.${action}`);

const COMMENTS = 'Checked on site with the vendor';

let t: TestApp;
let acme: TestTenant;
let site: string;
let vendor: string;

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  site = (await createSite(t, acme.adminToken)).id;
  vendor = (
    await createRecord(t, acme.adminToken, 'vendors', {
      code: `V-${Math.random().toString(36).slice(2, 8)}`,
      name: 'Heat Ltd',
    })
  ).id;
});
afterAll(() => t.close());

/**
 * A work order in `status` whose rules all pass (a vendor, one mandatory line item done), unless
 * `payload` says otherwise.
 */
async function workOrderIn(status: string, payload: Body = {}) {
  const wo = await createRecord(t, acme.adminToken, 'work-orders', {
    title: 'Replace the circulation pump',
    site_id: site,
    vendor_id: vendor,
    line_items: [{ description: 'Isolate the pump', mandatory: true, done: true }],
    ...payload,
  });
  if (status !== 'DRAFT') await forceStatus(t, 'work_orders', wo.id, status);
  return wo;
}

const rowOf = (id: string) => statusRow(t, 'work_orders', id);

const expectUnchanged = (id: string, status: string, version: number) =>
  expectUntouched(t, 'work_orders', id, status, version);

const move = (id: string, payload: Body, token = acme.adminToken) =>
  transition(t, token, 'work-orders', id, payload);

describe('every ordered pair of work-order states', () => {
  const pairs = orderedPairs(STATES, SPEC_TABLE);

  it('covers SPEC §6 with 11 allowed pairs out of 49', () => {
    expect(pairs).toHaveLength(49);
    expect(pairs.filter((pair) => pair.expected === 200)).toHaveLength(11);
  });

  it.each(pairs)('$from -> $to answers $expected', async ({ from, to, allowed }) => {
    const wo = await workOrderIn(from);
    const response = await move(wo.id, { target_state: to, comments: COMMENTS });
    await expectPairOutcome(t, response, {
      table: 'work_orders',
      id: wo.id,
      from,
      to,
      version: wo.version,
      allowed,
      actorId: acme.adminId,
      reason: COMMENTS,
    });
  });
});

describe('work-order rules', () => {
  it('refuses SUBMITTED -> APPROVED without a vendor (VENDOR_REQUIRED), and allows it once one is set', async () => {
    const wo = await workOrderIn('SUBMITTED', { vendor_id: null });
    const refused = await move(wo.id, { target_state: 'APPROVED' });
    expectRule(refused, 'VENDOR_REQUIRED');
    await expectUnchanged(wo.id, 'SUBMITTED', wo.version);

    const patched = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/work-orders/${wo.id}`,
      payload: { vendor_id: vendor },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const approved = await move(wo.id, { target_state: 'APPROVED' });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(await rowOf(wo.id)).toEqual({ status: 'APPROVED', version: wo.version + 2 });
  });

  it.each([
    { case: 'no line items', items: [], expected: 422 },
    {
      case: 'a mandatory item not done',
      items: [
        { description: 'Isolate the pump', mandatory: true, done: true },
        { description: 'Pressure test', mandatory: true, done: false },
      ],
      expected: 422,
    },
    {
      case: 'every mandatory item done, an optional one not',
      items: [
        { description: 'Isolate the pump', mandatory: true, done: true },
        { description: 'Photograph the label', mandatory: false, done: false },
      ],
      expected: 200,
    },
    {
      case: 'only optional items, none done',
      items: [{ description: 'Photograph the label' }],
      expected: 200,
    },
  ])('IN_PROGRESS -> COMPLETED with $case answers $expected', async ({ items, expected }) => {
    const wo = await workOrderIn('IN_PROGRESS', { line_items: items });
    const response = await move(wo.id, { target_state: 'COMPLETED', comments: COMMENTS });
    expect(response.statusCode, response.body).toBe(expected);
    if (expected === 422) {
      expectRule(response, 'LINE_ITEMS_INCOMPLETE');
      await expectUnchanged(wo.id, 'IN_PROGRESS', wo.version);
    } else {
      expect(await rowOf(wo.id)).toEqual({ status: 'COMPLETED', version: wo.version + 1 });
    }
  });

  it('completes once the missing mandatory item is done', async () => {
    const wo = await workOrderIn('IN_PROGRESS', {
      line_items: [{ description: 'Pressure test', mandatory: true }],
    });
    const refused = await move(wo.id, { target_state: 'COMPLETED', comments: COMMENTS });
    expect(refused.statusCode).toBe(422);
    const item = (wo.line_items as { id: string }[])[0]!;
    const done = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/work-orders/${wo.id}/line-items/${item.id}`,
      payload: { done: true, answer: '3.5 bar' },
    });
    expect(done.statusCode, done.body).toBe(200);
    const completed = await move(wo.id, { target_state: 'COMPLETED', comments: COMMENTS });
    expect(completed.statusCode, completed.body).toBe(200);
    expect(completed.data.status).toBe('COMPLETED');
  });

  it.each(withBlankComments(SPEC_TABLE.filter((row) => row.comments)))(
    '$from -> $to with comments $case: 422 COMMENTS_REQUIRED',
    async ({ from, to, comments }) => {
      const wo = await workOrderIn(from);
      const response = await move(wo.id, { target_state: to, comments });
      expectRule(response, 'COMMENTS_REQUIRED');
      await expectUnchanged(wo.id, from, wo.version);
    },
  );

  it.each(SPEC_TABLE.filter((row) => !row.comments))(
    '$from -> $to needs no comments',
    async ({ from, to }) => {
      const wo = await workOrderIn(from);
      const response = await move(wo.id, { target_state: to });
      await expectApplied(t, response, {
        table: 'work_orders',
        id: wo.id,
        from,
        to,
        version: wo.version,
        actorId: acme.adminId,
        reason: null,
      });
    },
  );

  it('checks the pair before the permission, and the permission before the rules', async () => {
    const viewer = await createPersonWith(t, acme, ['work_orders.view']);
    const draft = await workOrderIn('DRAFT');
    const invalid = await move(draft.id, { target_state: 'COMPLETED' }, viewer.token);
    expect(invalid.statusCode).toBe(409);
    expect(invalid.data.error).toMatchObject({ code: 'INVALID_STATE_TRANSITION' });
    expect(await denialsOf(t, viewer.id)).toEqual([]);

    const noVendor = await workOrderIn('SUBMITTED', { vendor_id: null });
    const denied = await move(noVendor.id, { target_state: 'APPROVED' }, viewer.token);
    expect(denied.statusCode).toBe(403);
    expect(denied.data.error).toMatchObject({
      code: 'PERMISSION_DENIED',
      details: { required_permission: 'work_orders.approve' },
    });
  });
});

describe('work-order permissions', () => {
  /** One transition of SPEC §6 for each permission the table names. */
  const cases = [
    { permission: 'work_orders.update', from: 'DRAFT', to: 'SUBMITTED' },
    { permission: 'work_orders.approve', from: 'SUBMITTED', to: 'APPROVED' },
    { permission: 'work_orders.reject', from: 'SUBMITTED', to: 'DRAFT' },
    { permission: 'work_orders.start', from: 'APPROVED', to: 'IN_PROGRESS' },
    { permission: 'work_orders.complete', from: 'IN_PROGRESS', to: 'COMPLETED' },
    { permission: 'work_orders.close', from: 'COMPLETED', to: 'CLOSED' },
    { permission: 'work_orders.reopen', from: 'COMPLETED', to: 'IN_PROGRESS' },
    { permission: 'work_orders.cancel', from: 'DRAFT', to: 'CANCELLED' },
  ];

  it('names every permission of the SPEC table', () => {
    expect(new Set(cases.map((c) => c.permission))).toEqual(
      new Set(SPEC_TABLE.map((row) => row.permission)),
    );
  });

  it.each(cases)(
    'refuses $from -> $to without $permission (403, audited), and allows it with just that one',
    async ({ permission, from, to }) => {
      const wo = await workOrderIn(from);
      await expectGate(t, acme, {
        path: 'work-orders',
        table: 'work_orders',
        record: wo,
        from,
        to,
        permission,
        permissions: WORK_ORDER_PERMISSIONS,
        payload: { comments: COMMENTS },
      });
    },
  );
});

describe('terminal work orders', () => {
  it.each(['CLOSED', 'CANCELLED'])('refuses every target state from %s', async (terminal) => {
    const wo = await workOrderIn(terminal);
    await expectNoWayOut(t, acme.adminToken, 'work-orders', {
      table: 'work_orders',
      id: wo.id,
      from: terminal,
      version: wo.version,
      states: STATES,
      payload: { comments: COMMENTS },
    });
  });
});

describe('GET /work-orders/{id}/transitions', () => {
  const options = (id: string, token = acme.adminToken) =>
    call(t, token, { method: 'GET', url: `/api/v1/work-orders/${id}/transitions` });
  const byTarget = (data: Body) =>
    Object.fromEntries((data.transitions as Body[]).map((option) => [option.to_state, option]));

  it('lists the moves from SUBMITTED, and a missing vendor as the reason approval is not allowed', async () => {
    const wo = await workOrderIn('SUBMITTED', { vendor_id: null });
    const response = await options(wo.id);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.data).toMatchObject({ current_state: 'SUBMITTED', version: wo.version });
    expect(response.data.transitions).toHaveLength(3);
    expect(byTarget(response.data)).toEqual({
      APPROVED: {
        to_state: 'APPROVED',
        name: null,
        permission: 'work_orders.approve',
        comments_required: false,
        input_rules: [],
        allowed: false,
        reasons: [{ code: 'VENDOR_REQUIRED', message: expect.any(String) }],
      },
      DRAFT: {
        to_state: 'DRAFT',
        name: 'reject',
        permission: 'work_orders.reject',
        comments_required: true,
        input_rules: ['COMMENTS_REQUIRED'],
        allowed: true,
        reasons: [],
      },
      CANCELLED: {
        to_state: 'CANCELLED',
        name: null,
        permission: 'work_orders.cancel',
        comments_required: true,
        input_rules: ['COMMENTS_REQUIRED'],
        allowed: true,
        reasons: [],
      },
    });

    const withVendor = await workOrderIn('SUBMITTED');
    expect(byTarget((await options(withVendor.id)).data).APPROVED).toMatchObject({
      allowed: true,
      reasons: [],
    });
  });

  it('shows a missing permission as PERMISSION_DENIED without auditing a denial', async () => {
    const person = await createPersonWith(
      t,
      acme,
      WORK_ORDER_PERMISSIONS.filter((p) => p !== 'work_orders.approve'),
    );
    const withVendor = await workOrderIn('SUBMITTED');
    const approval = byTarget((await options(withVendor.id, person.token)).data).APPROVED;
    expect(approval).toMatchObject({
      allowed: false,
      reasons: [{ code: 'PERMISSION_DENIED', message: expect.stringContaining('approve') }],
    });

    const noVendor = await workOrderIn('SUBMITTED', { vendor_id: null });
    const both = byTarget((await options(noVendor.id, person.token)).data).APPROVED as Body;
    expect((both.reasons as Body[]).map((reason) => reason.code).sort()).toEqual([
      'PERMISSION_DENIED',
      'VENDOR_REQUIRED',
    ]);
    expect(byTarget((await options(noVendor.id, person.token)).data).DRAFT).toMatchObject({
      allowed: true,
    });
    expect(await denialsOf(t, person.id)).toEqual([]);
  });

  it('shows incomplete line items as the reason completion is not allowed', async () => {
    const wo = await workOrderIn('IN_PROGRESS', {
      line_items: [{ description: 'Pressure test', mandatory: true }],
    });
    const response = await options(wo.id);
    expect(response.data).toMatchObject({ current_state: 'IN_PROGRESS' });
    expect(byTarget(response.data)).toEqual({
      COMPLETED: expect.objectContaining({
        permission: 'work_orders.complete',
        input_rules: ['COMMENTS_REQUIRED'],
        allowed: false,
        reasons: [{ code: 'LINE_ITEMS_INCOMPLETE', message: expect.any(String) }],
      }),
      CANCELLED: expect.objectContaining({ allowed: true, reasons: [] }),
    });
  });

  it('needs work_orders.view', async () => {
    const wo = await workOrderIn('DRAFT');
    const outsider = await createPersonWith(t, acme, ['tickets.view']);
    const response = await options(wo.id, outsider.token);
    expect(response.statusCode).toBe(403);
    expect(response.data.error).toMatchObject({
      details: { required_permission: 'work_orders.view' },
    });
  });
});
