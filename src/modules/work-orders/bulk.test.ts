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
import { createRecord, createSite } from '../../../test/records.js';
import { forceStatus } from '../../../test/transitions.js';

/**
 * The five work-order bulk endpoints of SPEC §8, each through its own cases: what it changes,
 * the audit it writes, and the per-record failures it reports. The engine's modes, id rules and
 * idempotency are tested once, in test/bulk-operations.test.ts.
 */

const COMMENTS = 'Agreed with the site manager';

let t: TestApp;
let acme: TestTenant;
let site: string;
let vendor: string;
/** Someone to assign work to. */
let fitter: string;
/** Holds work_orders.view only. */
let viewer: TestPerson;
/** Holds work_orders.view and work_orders.update, not work_orders.assign. */
let updater: TestPerson;
/** Holds work_orders.view and work_orders.assign, not work_orders.update. */
let assigner: TestPerson;
let other: { site: string; person: string };

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  site = (await createSite(t, acme.adminToken)).id;
  vendor = (await createRecord(t, acme.adminToken, 'vendors', { code: 'V-1', name: 'Heat Ltd' }))
    .id;
  viewer = await createPersonWith(t, acme, ['work_orders.view']);
  updater = await createPersonWith(t, acme, ['work_orders.view', 'work_orders.update']);
  assigner = await createPersonWith(t, acme, ['work_orders.view', 'work_orders.assign']);
  fitter = viewer.id;
  const globex = await createTenant(t, 'Globex');
  other = {
    site: (await createSite(t, globex.adminToken)).id,
    person: globex.adminId,
  };
});
afterAll(() => t.close());

/** A work order in `status` whose rules pass (a vendor, its one mandatory item done). */
async function workOrderIn(status: string, payload: Body = {}): Promise<string> {
  const record = await createRecord(t, acme.adminToken, 'work-orders', {
    title: 'Replace the circulation pump',
    site_id: site,
    vendor_id: vendor,
    line_items: [{ description: 'Isolate the pump', mandatory: true, done: true }],
    ...payload,
  });
  expect(record.version).toBe(1);
  if (status !== 'DRAFT') await forceStatus(t, 'work_orders', record.id, status);
  return record.id;
}

const send = (name: string, payload: Body, token = acme.adminToken) =>
  bulk(t, token, 'work-orders', name, payload);
const { expectStates, expectDenied } = bulkExpectations(() => t, 'work_orders', 'work_order');

/** The STATE_CHANGED entry of a move, at version 2. */
const moved = (from: string, to: string, reason: string | null, request?: Body) => ({
  from_state: from,
  to_state: to,
  transition_reason: reason,
  changes: { status: { old: from, new: to } },
  metadata: request ? { version: 2, request } : { version: 2 },
});

describe('POST /work-orders/bulk/transition', () => {
  it('moves every record to target_state, audited with the comments and metadata', async () => {
    const ids = [await workOrderIn('DRAFT'), await workOrderIn('DRAFT')];
    const request = { batch: 'B-7' };
    const response = await send('transition', {
      ids,
      target_state: 'SUBMITTED',
      comments: COMMENTS,
      metadata: request,
    });
    const report = expectAllCommitted(response, { operationType: 'work_order.transition', ids });
    await expectStates({ [ids[0]!]: ['SUBMITTED', 2], [ids[1]!]: ['SUBMITTED', 2] });
    await expectBulkAudit(t, report, {
      entity: 'work_order',
      eventType: 'STATE_CHANGED',
      changed: Object.fromEntries(
        ids.map((id) => [id, moved('DRAFT', 'SUBMITTED', COMMENTS, request)]),
      ),
      bulkMetadata: { target_state: 'SUBMITTED', rollback_on_error: true, request },
    });
  });

  it('fails a record whose rule breaks, and one in the wrong state; commits the rest (partial)', async () => {
    const ready = await workOrderIn('IN_PROGRESS');
    const noItems = await workOrderIn('IN_PROGRESS', { line_items: [] });
    const draft = await workOrderIn('DRAFT');
    const response = await send('transition', {
      ids: [ready, noItems, draft],
      target_state: 'COMPLETED',
      comments: COMMENTS,
      rollback_on_error: false,
    });
    const report = reportOf(response);
    expect(report).toMatchObject({
      total_items: 3,
      successful_items: 1,
      failed_items: 2,
      success_rate: 33.33,
      successful_ids: [ready],
      failed_ids: [noItems, draft],
      was_rolled_back: false,
    });
    expectFailures(report, {
      [noItems]: ['BUSINESS_RULE_VIOLATION', /LINE_ITEMS_INCOMPLETE/],
      [draft]: ['INVALID_STATE_TRANSITION', /DRAFT to COMPLETED/],
    });
    await expectStates({
      [ready]: ['COMPLETED', 2],
      [noItems]: ['IN_PROGRESS', 1],
      [draft]: ['DRAFT', 1],
    });
    await expectBulkAudit(t, report, {
      entity: 'work_order',
      eventType: 'STATE_CHANGED',
      changed: { [ready]: moved('IN_PROGRESS', 'COMPLETED', COMMENTS) },
    });
  });

  it('fails every record without comments where the move needs them (COMMENTS_REQUIRED)', async () => {
    const ids = [await workOrderIn('DRAFT'), await workOrderIn('APPROVED')];
    const report = reportOf(await send('transition', { ids, target_state: 'CANCELLED' }));
    expectFailures(report, {
      [ids[0]!]: ['BUSINESS_RULE_VIOLATION', /COMMENTS_REQUIRED/],
      [ids[1]!]: ['BUSINESS_RULE_VIOLATION', /COMMENTS_REQUIRED/],
    });
    await expectStates({ [ids[0]!]: ['DRAFT', 1], [ids[1]!]: ['APPROVED', 1] });
  });

  it("fails every record for a person without the move's permission", async () => {
    const ids = [await workOrderIn('DRAFT')];
    const response = await send('transition', { ids, target_state: 'SUBMITTED' }, viewer.token);
    await expectDenied(response, viewer, ids, 'work_orders.update');
    await expectStates({ [ids[0]!]: ['DRAFT', 1] });
  });
});

describe('POST /work-orders/bulk/approve', () => {
  it('approves every SUBMITTED record', async () => {
    const ids = [await workOrderIn('SUBMITTED'), await workOrderIn('SUBMITTED')];
    const report = expectAllCommitted(await send('approve', { ids }), {
      operationType: 'work_order.approve',
      ids,
    });
    await expectStates({ [ids[0]!]: ['APPROVED', 2], [ids[1]!]: ['APPROVED', 2] });
    await expectBulkAudit(t, report, {
      entity: 'work_order',
      eventType: 'STATE_CHANGED',
      changed: Object.fromEntries(ids.map((id) => [id, moved('SUBMITTED', 'APPROVED', null)])),
      bulkMetadata: { target_state: 'APPROVED', rollback_on_error: true },
    });
  });

  it('fails a record without a vendor (VENDOR_REQUIRED) and a DRAFT one; all-or-nothing keeps all', async () => {
    const ready = await workOrderIn('SUBMITTED');
    const noVendor = await workOrderIn('SUBMITTED', { vendor_id: null });
    const draft = await workOrderIn('DRAFT');
    const report = reportOf(await send('approve', { ids: [ready, noVendor, draft] }));
    expectFailures(report, {
      [noVendor]: ['BUSINESS_RULE_VIOLATION', /VENDOR_REQUIRED/],
      [draft]: ['INVALID_STATE_TRANSITION', /DRAFT to APPROVED/],
    });
    expect(report).toMatchObject({
      successful_ids: [],
      was_rolled_back: true,
      rolled_back_ids: [ready],
    });
    await expectStates({
      [ready]: ['SUBMITTED', 1],
      [noVendor]: ['SUBMITTED', 1],
      [draft]: ['DRAFT', 1],
    });
    const entries = await entriesOf(t, report.audit_correlation_id!);
    expect(entries.map((entry) => entry.event_type)).toEqual(['BULK_OPERATION']);
  });

  it('fails every record for a person without work_orders.approve', async () => {
    const ids = [await workOrderIn('SUBMITTED'), await workOrderIn('SUBMITTED')];
    await expectDenied(
      await send('approve', { ids }, updater.token),
      updater,
      ids,
      'work_orders.approve',
    );
    await expectStates({ [ids[0]!]: ['SUBMITTED', 1], [ids[1]!]: ['SUBMITTED', 1] });
  });
});

describe('POST /work-orders/bulk/reject', () => {
  it('sends every SUBMITTED record back to DRAFT with the comments as the reason', async () => {
    const ids = [await workOrderIn('SUBMITTED'), await workOrderIn('SUBMITTED')];
    const report = expectAllCommitted(await send('reject', { ids, comments: COMMENTS }), {
      operationType: 'work_order.reject',
      ids,
    });
    await expectStates({ [ids[0]!]: ['DRAFT', 2], [ids[1]!]: ['DRAFT', 2] });
    await expectBulkAudit(t, report, {
      entity: 'work_order',
      eventType: 'STATE_CHANGED',
      changed: Object.fromEntries(ids.map((id) => [id, moved('SUBMITTED', 'DRAFT', COMMENTS)])),
    });
  });

  it.each([
    ['no comments', undefined],
    ['blank comments', '  '],
  ])('with %s fails every record COMMENTS_REQUIRED', async (_case, comments) => {
    const id = await workOrderIn('SUBMITTED');
    const report = reportOf(await send('reject', { ids: [id], comments }));
    expectFailures(report, { [id]: ['BUSINESS_RULE_VIOLATION', /COMMENTS_REQUIRED/] });
    await expectStates({ [id]: ['SUBMITTED', 1] });
  });

  it('fails an APPROVED record (INVALID_STATE_TRANSITION) and commits the SUBMITTED one (partial)', async () => {
    const submitted = await workOrderIn('SUBMITTED');
    const approved = await workOrderIn('APPROVED');
    const report = reportOf(
      await send('reject', {
        ids: [approved, submitted],
        comments: COMMENTS,
        rollback_on_error: false,
      }),
    );
    expect(report).toMatchObject({ successful_ids: [submitted], was_rolled_back: false });
    expectFailures(report, { [approved]: ['INVALID_STATE_TRANSITION', /APPROVED to DRAFT/] });
    await expectStates({ [submitted]: ['DRAFT', 2], [approved]: ['APPROVED', 1] });
  });

  it('fails every record for a person without work_orders.reject', async () => {
    const ids = [await workOrderIn('SUBMITTED')];
    const response = await send('reject', { ids, comments: COMMENTS }, updater.token);
    await expectDenied(response, updater, ids, 'work_orders.reject');
    await expectStates({ [ids[0]!]: ['SUBMITTED', 1] });
  });
});

describe('POST /work-orders/bulk/assign', () => {
  it('sets assigned_to on every record, one UPDATED entry each', async () => {
    const unassigned = await workOrderIn('DRAFT');
    const reassigned = await workOrderIn('APPROVED', { assigned_to: acme.adminId });
    const ids = [unassigned, reassigned];
    const report = expectAllCommitted(await send('assign', { ids, assigned_to_user: fitter }), {
      operationType: 'work_order.assign',
      ids,
    });
    const rows = await rowsOf(t, 'work_orders', ids);
    expect(rows.get(unassigned)).toMatchObject({
      status: 'DRAFT',
      version: 2,
      assigned_to: fitter,
    });
    expect(rows.get(reassigned)).toMatchObject({
      status: 'APPROVED',
      version: 2,
      assigned_to: fitter,
      updated_by: acme.adminId,
    });
    await expectBulkAudit(t, report, {
      entity: 'work_order',
      eventType: 'UPDATED',
      changed: {
        [unassigned]: {
          changes: { assigned_to: { old: null, new: fitter } },
          metadata: { version: 2 },
        },
        [reassigned]: {
          changes: { assigned_to: { old: acme.adminId, new: fitter } },
          metadata: { version: 2 },
        },
      },
      bulkMetadata: { fields: ['assigned_to'], rollback_on_error: true },
    });
  });

  it('fails a missing record and a stale version, and commits the rest (partial)', async () => {
    const [fresh, stale] = [await workOrderIn('DRAFT'), await workOrderIn('DRAFT')];
    const missing = randomUUID();
    const report = reportOf(
      await send('assign', {
        ids: [fresh, missing, stale],
        assigned_to_user: fitter,
        versions: { [fresh]: 1, [stale]: 3 },
        rollback_on_error: false,
      }),
    );
    expect(report.successful_ids).toEqual([fresh]);
    expectFailures(report, {
      [missing]: ['ENTITY_NOT_FOUND', /Work order not found/],
      [stale!]: ['CONCURRENCY_ERROR', /current version 1, yours 3/],
    });
    const rows = await rowsOf(t, 'work_orders', [fresh, stale]);
    expect(rows.get(fresh)).toMatchObject({ version: 2, assigned_to: fitter });
    expect(rows.get(stale)).toMatchObject({ version: 1, assigned_to: null });
  });

  it.each([
    ["another tenant's person", () => other.person],
    ['a made-up person', () => randomUUID()],
  ])('to %s is 400 VALIDATION_ERROR and changes nothing', async (_case, person) => {
    const id = await workOrderIn('DRAFT');
    const response = await send('assign', { ids: [id], assigned_to_user: person() });
    await expectRefusedRequest(t, response, 'VALIDATION_ERROR');
    expect(response.data.error).toMatchObject({
      details: { errors: [{ path: '/assigned_to_user' }] },
    });
    const rows = await rowsOf(t, 'work_orders', [id]);
    expect(rows.get(id)).toMatchObject({ version: 1, assigned_to: null });
  });

  it.each([
    ['work_orders.update alone', () => updater, 'work_orders.assign'],
    ['work_orders.assign alone', () => assigner, 'work_orders.update'],
  ])('with %s fails every record PERMISSION_DENIED', async (_case, person, missing) => {
    const ids = [await workOrderIn('DRAFT'), await workOrderIn('SUBMITTED')];
    const response = await send('assign', { ids, assigned_to_user: fitter }, person().token);
    await expectDenied(response, person(), ids, missing);
    const rows = await rowsOf(t, 'work_orders', ids);
    for (const id of ids) expect(rows.get(id)).toMatchObject({ version: 1, assigned_to: null });
  });
});

describe('POST /work-orders/bulk/update', () => {
  const planned = '2030-01-01T08:00:00.000Z';

  it('applies update_data to every record; each UPDATED entry names the fields it changed', async () => {
    const low = await workOrderIn('DRAFT', { planned_at: planned, priority: 'LOW' });
    const high = await workOrderIn('IN_PROGRESS', { planned_at: planned, priority: 'HIGH' });
    const ids = [low, high];
    const due = '2030-02-01T09:00:00.000Z';
    const report = expectAllCommitted(
      await send('update', {
        ids,
        update_data: { priority: 'HIGH', due_at: due, description: 'Bring the long ladder' },
      }),
      { operationType: 'work_order.update', ids },
    );
    const rows = await rowsOf(t, 'work_orders', ids);
    for (const [id, status] of [
      [low, 'DRAFT'],
      [high, 'IN_PROGRESS'],
    ] as const) {
      const row = rows.get(id)!;
      expect(row).toMatchObject({
        status,
        version: 2,
        priority: 'HIGH',
        description: 'Bring the long ladder',
        title: 'Replace the circulation pump',
      });
      expect(new Date(row.due_at as string).toISOString()).toBe(due);
      expect(new Date(row.planned_at as string).toISOString()).toBe(planned);
    }
    const entries = await expectBulkAudit(t, report, {
      entity: 'work_order',
      eventType: 'UPDATED',
      changed: { [low]: { metadata: { version: 2 } }, [high]: { metadata: { version: 2 } } },
      bulkMetadata: { fields: ['priority', 'due_at', 'description'], rollback_on_error: true },
    });
    const changesOf = (id: string) => entries.find((entry) => entry.entity_id === id)!.changes!;
    // The record already HIGH has no priority change.
    expect(Object.keys(changesOf(low)).sort()).toEqual(['description', 'due_at', 'priority']);
    expect(Object.keys(changesOf(high)).sort()).toEqual(['description', 'due_at']);
    expect(changesOf(low).priority).toEqual({ old: 'LOW', new: 'HIGH' });
    for (const id of ids) {
      expect(changesOf(id).description).toEqual({ old: null, new: 'Bring the long ladder' });
      expect(changesOf(id).due_at!.old).toBeNull();
      expect(Date.parse(changesOf(id).due_at!.new as string)).toBe(Date.parse(due));
    }
  });

  it('clears the fields update_data sets to null', async () => {
    const id = await workOrderIn('SUBMITTED', { planned_at: planned, due_at: planned });
    const report = expectAllCommitted(
      await send('update', { ids: [id], update_data: { vendor_id: null, due_at: null } }),
      { operationType: 'work_order.update', ids: [id] },
    );
    const rows = await rowsOf(t, 'work_orders', [id]);
    expect(rows.get(id)).toMatchObject({
      status: 'SUBMITTED',
      version: 2,
      vendor_id: null,
      due_at: null,
    });
    const [, entry] = await expectBulkAudit(t, report, {
      entity: 'work_order',
      eventType: 'UPDATED',
      changed: { [id]: { metadata: { version: 2 } } },
    });
    expect(entry!.changes).toEqual({
      vendor_id: { old: vendor, new: null },
      due_at: { old: expect.any(String), new: null },
    });
    // Without its vendor it can no longer be approved.
    expectFailures(reportOf(await send('approve', { ids: [id] })), {
      [id]: ['BUSINESS_RULE_VIOLATION', /VENDOR_REQUIRED/],
    });
  });

  it.each(['id', 'number', 'tenant_id', 'status', 'version', 'created_at', 'created_by'])(
    'update_data naming %s is 400 PROTECTED_FIELD and changes nothing',
    async (field) => {
      const id = await workOrderIn('DRAFT');
      const response = await send('update', {
        ids: [id],
        update_data: { title: 'Renamed', [field]: field === 'version' ? 5 : 'X' },
      });
      await expectRefusedRequest(t, response, 'PROTECTED_FIELD');
      expect(response.data.error).toMatchObject({ details: { fields: [field] } });
      const rows = await rowsOf(t, 'work_orders', [id]);
      expect(rows.get(id)).toMatchObject({ version: 1, title: 'Replace the circulation pump' });
    },
  );

  it.each([
    ['an unknown field', { colour: 'red' }],
    ['a priority that is not one', { priority: 'URGENT' }],
    ['a number for a text', { title: 42 }],
    ['a due_at that is not a date-time', { due_at: 'tomorrow' }],
    ['a site_id that is not a uuid', { site_id: 'S-1' }],
    ['nothing', {}],
  ])('update_data with %s is 400 VALIDATION_ERROR', async (_case, data) => {
    const id = await workOrderIn('DRAFT');
    const response = await send('update', { ids: [id], update_data: data });
    await expectRefusedRequest(t, response, 'VALIDATION_ERROR');
    await expectStates({ [id]: ['DRAFT', 1] });
  });

  it("naming another tenant's site is 400 VALIDATION_ERROR and changes nothing", async () => {
    const id = await workOrderIn('DRAFT');
    const response = await send('update', { ids: [id], update_data: { site_id: other.site } });
    await expectRefusedRequest(t, response, 'VALIDATION_ERROR');
    expect(response.data.error).toMatchObject({ details: { errors: [{ path: '/site_id' }] } });
    const rows = await rowsOf(t, 'work_orders', [id]);
    expect(rows.get(id)).toMatchObject({ version: 1, site_id: site });
  });

  it("a due_at before one record's planned_at fails that record only (partial)", async () => {
    const early = await workOrderIn('DRAFT', { planned_at: planned });
    const late = await workOrderIn('DRAFT', { planned_at: '2030-03-01T08:00:00.000Z' });
    const due = '2030-02-01T09:00:00.000Z';
    const report = reportOf(
      await send('update', {
        ids: [early, late],
        update_data: { due_at: due },
        rollback_on_error: false,
      }),
    );
    expect(report).toMatchObject({ successful_ids: [early], was_rolled_back: false });
    expectFailures(report, { [late]: ['VALIDATION_ERROR', /due_at.*planned_at/] });
    const rows = await rowsOf(t, 'work_orders', [early, late]);
    expect(rows.get(early)).toMatchObject({ version: 2 });
    expect(new Date(rows.get(early)!.due_at as string).toISOString()).toBe(due);
    expect(rows.get(late)).toMatchObject({ version: 1, due_at: null });
    await expectBulkAudit(t, report, {
      entity: 'work_order',
      eventType: 'UPDATED',
      changed: { [early]: { metadata: { version: 2 } } },
    });
  });

  it('the same update in all-or-nothing mode changes neither record', async () => {
    const early = await workOrderIn('DRAFT', { planned_at: planned });
    const late = await workOrderIn('DRAFT', { planned_at: '2030-03-01T08:00:00.000Z' });
    const report = reportOf(
      await send('update', { ids: [early, late], update_data: { due_at: '2030-02-01T09:00:00Z' } }),
    );
    expect(report).toMatchObject({ was_rolled_back: true, rolled_back_ids: [early] });
    expectFailures(report, { [late]: 'VALIDATION_ERROR' });
    await expectStates({ [early]: ['DRAFT', 1], [late]: ['DRAFT', 1] });
  });

  it('fails every record for a person without work_orders.update', async () => {
    const ids = [await workOrderIn('DRAFT')];
    const response = await send('update', { ids, update_data: { priority: 'LOW' } }, viewer.token);
    await expectDenied(response, viewer, ids, 'work_orders.update');
    await expectStates({ [ids[0]!]: ['DRAFT', 1] });
  });

  it('setting assigned_to needs work_orders.assign too, as PATCH does', async () => {
    const ids = [await workOrderIn('DRAFT')];
    const denied = await send(
      'update',
      { ids, update_data: { assigned_to: fitter } },
      updater.token,
    );
    await expectDenied(denied, updater, ids, 'work_orders.assign');
    // Without assigned_to, work_orders.update is enough.
    const report = expectAllCommitted(
      await send('update', { ids, update_data: { priority: 'CRITICAL' } }, updater.token),
      { operationType: 'work_order.update', ids },
    );
    expect(report.successful_ids).toEqual(ids);
    const rows = await rowsOf(t, 'work_orders', ids);
    expect(rows.get(ids[0]!)).toMatchObject({
      version: 2,
      priority: 'CRITICAL',
      assigned_to: null,
      updated_by: updater.id,
    });
  });

  it("an assigned_to of another tenant's person is 400 VALIDATION_ERROR", async () => {
    const id = await workOrderIn('DRAFT');
    const response = await send('update', {
      ids: [id],
      update_data: { assigned_to: other.person },
    });
    await expectRefusedRequest(t, response, 'VALIDATION_ERROR');
    await expectStates({ [id]: ['DRAFT', 1] });
  });
});
