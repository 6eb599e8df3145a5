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
import { INSIDE, LONDON_SQUARE, today, twoMonthsBack } from '../../../test/attendance-fixtures.js';

/**
 * The five attendance bulk endpoints of SPEC §8, each through its own cases: what it changes,
 * the audit it writes, the warnings and the per-record failures it reports. The engine's modes,
 * id rules and idempotency are tested once, in test/bulk-operations.test.ts.
 */

const OUTSIDE = { lat: 51.7, lng: -0.1 };
const COMMENTS = 'Checked against the rota';

let t: TestApp;
let acme: TestTenant;
/** No geofence and no shift: no rule or warning but the ones a test sets up. */
let plainSite: string;
let fencedSite: string;
let worker: string;
/** Holds attendance.view only. */
let viewer: TestPerson;
/** Holds attendance.view and attendance.approve only. */
let approver: TestPerson;
let other: { site: string; person: string };

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  plainSite = (await createSite(t, acme.adminToken)).id;
  fencedSite = (
    await createSite(t, acme.adminToken, {
      geofence: { type: 'Polygon', coordinates: [LONDON_SQUARE] },
    })
  ).id;
  viewer = await createPersonWith(t, acme, ['attendance.view']);
  approver = await createPersonWith(t, acme, ['attendance.view', 'attendance.approve']);
  worker = viewer.id;
  const globex = await createTenant(t, 'Globex');
  other = { site: (await createSite(t, globex.adminToken)).id, person: globex.adminId };
});
afterAll(() => t.close());

/** A record of today at the plain site, with a location and no punch times, in `status`. */
async function attendanceIn(status: string, payload: Body = {}): Promise<string> {
  const record = await createRecord(t, acme.adminToken, 'attendance', {
    person_id: worker,
    site_id: plainSite,
    work_date: today,
    location: INSIDE,
    ...payload,
  });
  expect(record.version).toBe(1);
  if (status !== 'PENDING') await forceStatus(t, 'attendance_records', record.id, status);
  return record.id;
}

const send = (name: string, payload: Body, token = acme.adminToken) =>
  bulk(t, token, 'attendance', name, payload);
const { expectStates, expectDenied } = bulkExpectations(
  () => t,
  'attendance_records',
  'attendance',
);

/** The STATE_CHANGED entry of a move, at version 2. */
const moved = (from: string, to: string, reason: string | null, metadata: Body = {}) => ({
  from_state: from,
  to_state: to,
  transition_reason: reason,
  changes: { status: { old: from, new: to } },
  metadata: { version: 2, ...metadata },
});

describe('POST /attendance/bulk/transition', () => {
  it('adjusts every record with the reason and time from metadata, audited with the request', async () => {
    const ids = [await attendanceIn('PENDING'), await attendanceIn('APPROVED')];
    const punchIn = `${today}T06:00:00.000Z`;
    const metadata = { adjustment_reason: 'Badge reader was down', punch_in_at: punchIn };
    const report = expectAllCommitted(
      await send('transition', { ids, target_state: 'ADJUSTED', comments: COMMENTS, metadata }),
      { operationType: 'attendance.transition', ids },
    );
    const rows = await rowsOf(t, 'attendance_records', ids);
    for (const id of ids) {
      expect(rows.get(id)).toMatchObject({
        status: 'ADJUSTED',
        version: 2,
        adjustment_reason: 'Badge reader was down',
        punch_in_at: new Date(punchIn),
        punch_out_at: null,
      });
    }
    const change = (from: string) => ({
      ...moved(from, 'ADJUSTED', COMMENTS, { request: metadata }),
      changes: {
        status: { old: from, new: 'ADJUSTED' },
        adjustment_reason: { old: null, new: 'Badge reader was down' },
        punch_in_at: { old: null, new: punchIn },
      },
    });
    await expectBulkAudit(t, report, {
      entity: 'attendance',
      eventType: 'STATE_CHANGED',
      changed: { [ids[0]!]: change('PENDING'), [ids[1]!]: change('APPROVED') },
      bulkMetadata: { target_state: 'ADJUSTED', rollback_on_error: true, request: metadata },
    });
  });

  it('fails every record without metadata.adjustment_reason (ADJUSTMENT_REASON_REQUIRED)', async () => {
    const ids = [await attendanceIn('PENDING')];
    const report = reportOf(await send('transition', { ids, target_state: 'ADJUSTED' }));
    expectFailures(report, {
      [ids[0]!]: ['BUSINESS_RULE_VIOLATION', /ADJUSTMENT_REASON_REQUIRED/],
    });
    await expectStates({ [ids[0]!]: ['PENDING', 1] });
  });

  it('fails a record past the payroll cutoff and a LOCKED one; commits the rest (partial)', async () => {
    const ready = await attendanceIn('PENDING');
    const old = await attendanceIn('PENDING', { work_date: twoMonthsBack });
    const locked = await attendanceIn('LOCKED');
    const report = reportOf(
      await send('transition', {
        ids: [ready, old, locked],
        target_state: 'APPROVED',
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
      [old]: ['BUSINESS_RULE_VIOLATION', /PAYROLL_CUTOFF_PASSED/],
      [locked]: ['INVALID_STATE_TRANSITION', /LOCKED to APPROVED/],
    });
    await expectStates({
      [ready]: ['APPROVED', 2],
      [old]: ['PENDING', 1],
      [locked]: ['LOCKED', 1],
    });
    await expectBulkAudit(t, report, {
      entity: 'attendance',
      eventType: 'STATE_CHANGED',
      changed: { [ready]: moved('PENDING', 'APPROVED', null) },
    });
  });

  // A corrected time that suits one record and not another is that record's failure, as an
  // update that makes one record invalid is.
  it("a corrected punch_out_at before one record's punch-in fails that record only (partial)", async () => {
    const early = await attendanceIn('PENDING', { punch_in_at: `${today}T08:00:00Z` });
    const late = await attendanceIn('PENDING', { punch_in_at: `${today}T18:00:00Z` });
    const response = await send('transition', {
      ids: [early, late],
      target_state: 'ADJUSTED',
      metadata: { adjustment_reason: 'Forgot to punch out', punch_out_at: `${today}T17:00:00Z` },
      rollback_on_error: false,
    });
    const report = reportOf(response);
    expect(report.successful_ids).toEqual([early]);
    expectFailures(report, { [late]: ['VALIDATION_ERROR', /punch_out_at/] });
    await expectStates({ [early]: ['ADJUSTED', 2], [late]: ['PENDING', 1] });
  });

  it("fails every record for a person without the move's permission", async () => {
    const ids = [await attendanceIn('REJECTED')];
    const response = await send('transition', { ids, target_state: 'PENDING' }, approver.token);
    await expectDenied(response, approver, ids, 'attendance.update');
    await expectStates({ [ids[0]!]: ['REJECTED', 1] });
  });
});

describe('POST /attendance/bulk/approve', () => {
  it('approves every record, with the comments and metadata in each STATE_CHANGED entry', async () => {
    const located = await attendanceIn('PENDING');
    const unlocated = await attendanceIn('ADJUSTED', { site_id: fencedSite, location: null });
    const ids = [located, unlocated];
    const metadata = { payroll_run: '2030-01' };
    const report = expectAllCommitted(
      await send('approve', { ids, comments: COMMENTS, metadata }),
      {
        operationType: 'attendance.approve',
        ids,
        warnings: [{ id: unlocated, code: 'NO_LOCATION', message: expect.any(String) }],
      },
    );
    await expectStates({ [located]: ['APPROVED', 2], [unlocated]: ['APPROVED', 2] });
    await expectBulkAudit(t, report, {
      entity: 'attendance',
      eventType: 'STATE_CHANGED',
      changed: {
        [located]: moved('PENDING', 'APPROVED', COMMENTS, { request: metadata }),
        [unlocated]: moved('ADJUSTED', 'APPROVED', COMMENTS, {
          request: metadata,
          warnings: ['NO_LOCATION'],
        }),
      },
      bulkMetadata: { target_state: 'APPROVED', rollback_on_error: true, request: metadata },
    });
  });

  it('fails records past the payroll cutoff, outside the geofence or REJECTED; all-or-nothing keeps all', async () => {
    const ready = await attendanceIn('PENDING', { site_id: fencedSite });
    const old = await attendanceIn('ADJUSTED', { work_date: twoMonthsBack });
    const outside = await attendanceIn('PENDING', { site_id: fencedSite, location: OUTSIDE });
    const rejected = await attendanceIn('REJECTED');
    const report = reportOf(await send('approve', { ids: [ready, old, outside, rejected] }));
    expectFailures(report, {
      [old]: ['BUSINESS_RULE_VIOLATION', /PAYROLL_CUTOFF_PASSED/],
      [outside]: ['BUSINESS_RULE_VIOLATION', /OUTSIDE_GEOFENCE/],
      [rejected]: ['INVALID_STATE_TRANSITION', /REJECTED to APPROVED/],
    });
    expect(report).toMatchObject({
      successful_ids: [],
      was_rolled_back: true,
      rolled_back_ids: [ready],
      warnings: [],
    });
    await expectStates({
      [ready]: ['PENDING', 1],
      [old]: ['ADJUSTED', 1],
      [outside]: ['PENDING', 1],
      [rejected]: ['REJECTED', 1],
    });
    const entries = await entriesOf(t, report.audit_correlation_id!);
    expect(entries.map((entry) => entry.event_type)).toEqual(['BULK_OPERATION']);
  });

  it('fails every record for a person without attendance.approve', async () => {
    const ids = [await attendanceIn('PENDING'), await attendanceIn('ADJUSTED')];
    await expectDenied(
      await send('approve', { ids }, viewer.token),
      viewer,
      ids,
      'attendance.approve',
    );
    await expectStates({ [ids[0]!]: ['PENDING', 1], [ids[1]!]: ['ADJUSTED', 1] });
  });
});

describe('POST /attendance/bulk/reject', () => {
  it('rejects every PENDING record with the comments as the reason', async () => {
    const ids = [await attendanceIn('PENDING'), await attendanceIn('PENDING')];
    const report = expectAllCommitted(await send('reject', { ids, comments: COMMENTS }), {
      operationType: 'attendance.reject',
      ids,
    });
    await expectStates({ [ids[0]!]: ['REJECTED', 2], [ids[1]!]: ['REJECTED', 2] });
    await expectBulkAudit(t, report, {
      entity: 'attendance',
      eventType: 'STATE_CHANGED',
      changed: Object.fromEntries(ids.map((id) => [id, moved('PENDING', 'REJECTED', COMMENTS)])),
      bulkMetadata: { target_state: 'REJECTED', rollback_on_error: true },
    });
  });

  it('without comments fails every record COMMENTS_REQUIRED', async () => {
    const ids = [await attendanceIn('PENDING')];
    const report = reportOf(await send('reject', { ids, comments: ' ' }));
    expectFailures(report, { [ids[0]!]: ['BUSINESS_RULE_VIOLATION', /COMMENTS_REQUIRED/] });
    await expectStates({ [ids[0]!]: ['PENDING', 1] });
  });

  it('fails an APPROVED record (INVALID_STATE_TRANSITION) and commits the PENDING one (partial)', async () => {
    const pending = await attendanceIn('PENDING');
    const approved = await attendanceIn('APPROVED');
    const report = reportOf(
      await send('reject', {
        ids: [approved, pending],
        comments: COMMENTS,
        rollback_on_error: false,
      }),
    );
    expect(report).toMatchObject({ successful_ids: [pending], was_rolled_back: false });
    expectFailures(report, { [approved]: ['INVALID_STATE_TRANSITION', /APPROVED to REJECTED/] });
    await expectStates({ [pending]: ['REJECTED', 2], [approved]: ['APPROVED', 1] });
  });

  it('fails every record for a person without attendance.reject', async () => {
    const ids = [await attendanceIn('PENDING')];
    const response = await send('reject', { ids, comments: COMMENTS }, approver.token);
    await expectDenied(response, approver, ids, 'attendance.reject');
    await expectStates({ [ids[0]!]: ['PENDING', 1] });
  });
});

describe('POST /attendance/bulk/lock', () => {
  it('locks every APPROVED or ADJUSTED record, with the comments and metadata as the reason', async () => {
    const ids = [await attendanceIn('APPROVED'), await attendanceIn('ADJUSTED')];
    const metadata = { payroll_run: '2030-01' };
    const report = expectAllCommitted(
      await send('lock', { ids, comments: 'Payroll run 2030-01', metadata }),
      { operationType: 'attendance.lock', ids },
    );
    await expectStates({ [ids[0]!]: ['LOCKED', 2], [ids[1]!]: ['LOCKED', 2] });
    await expectBulkAudit(t, report, {
      entity: 'attendance',
      eventType: 'STATE_CHANGED',
      changed: {
        [ids[0]!]: moved('APPROVED', 'LOCKED', 'Payroll run 2030-01', { request: metadata }),
        [ids[1]!]: moved('ADJUSTED', 'LOCKED', 'Payroll run 2030-01', { request: metadata }),
      },
      bulkMetadata: { target_state: 'LOCKED', rollback_on_error: true, request: metadata },
    });
  });

  it('fails a PENDING and an already LOCKED record; commits the rest (partial)', async () => {
    const approved = await attendanceIn('APPROVED');
    const pending = await attendanceIn('PENDING');
    const locked = await attendanceIn('LOCKED');
    const report = reportOf(
      await send('lock', { ids: [pending, approved, locked], rollback_on_error: false }),
    );
    expect(report).toMatchObject({ successful_ids: [approved], was_rolled_back: false });
    expectFailures(report, {
      [pending]: ['INVALID_STATE_TRANSITION', /PENDING to LOCKED/],
      [locked]: ['INVALID_STATE_TRANSITION', /LOCKED to LOCKED/],
    });
    await expectStates({
      [approved]: ['LOCKED', 2],
      [pending]: ['PENDING', 1],
      [locked]: ['LOCKED', 1],
    });
  });

  it('fails every record for a person without attendance.lock', async () => {
    const ids = [await attendanceIn('APPROVED')];
    await expectDenied(
      await send('lock', { ids }, approver.token),
      approver,
      ids,
      'attendance.lock',
    );
    await expectStates({ [ids[0]!]: ['APPROVED', 1] });
  });
});

describe('POST /attendance/bulk/update', () => {
  it('applies update_data to every record; each UPDATED entry names the fields it changed', async () => {
    const plain = await attendanceIn('PENDING', { punch_in_at: `${today}T08:00:00Z` });
    const remarked = await attendanceIn('APPROVED', {
      punch_in_at: `${today}T09:00:00Z`,
      remarks: 'Night shift',
    });
    const ids = [plain, remarked];
    const punchOut = `${today}T17:30:00.000Z`;
    const location = { lat: 51.5, lng: -0.12 };
    const report = expectAllCommitted(
      await send('update', {
        ids,
        update_data: { remarks: 'Night shift', punch_out_at: punchOut, location },
      }),
      { operationType: 'attendance.update', ids },
    );
    const rows = await rowsOf(t, 'attendance_records', ids);
    for (const [id, status] of [
      [plain, 'PENDING'],
      [remarked, 'APPROVED'],
    ] as const) {
      const row = rows.get(id)!;
      expect(row).toMatchObject({ status, version: 2, remarks: 'Night shift', location });
      expect(new Date(row.punch_out_at as string).toISOString()).toBe(punchOut);
    }
    const entries = await expectBulkAudit(t, report, {
      entity: 'attendance',
      eventType: 'UPDATED',
      changed: { [plain]: { metadata: { version: 2 } }, [remarked]: { metadata: { version: 2 } } },
      bulkMetadata: { fields: ['remarks', 'punch_out_at', 'location'], rollback_on_error: true },
    });
    const changesOf = (id: string) => entries.find((entry) => entry.entity_id === id)!.changes!;
    // The record already remarked has no remarks change.
    expect(Object.keys(changesOf(plain)).sort()).toEqual(['location', 'punch_out_at', 'remarks']);
    expect(Object.keys(changesOf(remarked)).sort()).toEqual(['location', 'punch_out_at']);
    expect(changesOf(plain).remarks).toEqual({ old: null, new: 'Night shift' });
    for (const id of ids) {
      expect(changesOf(id).location).toEqual({ old: INSIDE, new: location });
      expect(changesOf(id).punch_out_at!.old).toBeNull();
      expect(Date.parse(changesOf(id).punch_out_at!.new as string)).toBe(Date.parse(punchOut));
    }
  });

  it.each(['id', 'number', 'tenant_id', 'status', 'version', 'created_at', 'created_by'])(
    'update_data naming %s is 400 PROTECTED_FIELD and changes nothing',
    async (field) => {
      const id = await attendanceIn('PENDING');
      const response = await send('update', {
        ids: [id],
        update_data: { remarks: 'Late', [field]: field === 'version' ? 5 : 'X' },
      });
      await expectRefusedRequest(t, response, 'PROTECTED_FIELD');
      expect(response.data.error).toMatchObject({ details: { fields: [field] } });
      const rows = await rowsOf(t, 'attendance_records', [id]);
      expect(rows.get(id)).toMatchObject({ version: 1, status: 'PENDING', remarks: null });
    },
  );

  it.each([
    ['an unknown field', { adjustment_reason: 'Because' }],
    ['a punch time that is not a date-time', { punch_in_at: '08:00' }],
    ['a location out of range', { location: { lat: 91, lng: 0 } }],
    ['a work_date that is not a date', { work_date: '2030-02-30' }],
    ['a number for remarks', { remarks: 7 }],
    ['nothing', {}],
  ])('update_data with %s is 400 VALIDATION_ERROR', async (_case, data) => {
    const id = await attendanceIn('PENDING');
    const response = await send('update', { ids: [id], update_data: data });
    await expectRefusedRequest(t, response, 'VALIDATION_ERROR');
    await expectStates({ [id]: ['PENDING', 1] });
  });

  it.each([
    ["another tenant's site", 'site_id', () => other.site],
    ["another tenant's person", 'person_id', () => other.person],
    ['a made-up site', 'site_id', () => randomUUID()],
  ])('naming %s is 400 VALIDATION_ERROR and changes nothing', async (_case, field, value) => {
    const id = await attendanceIn('PENDING');
    const response = await send('update', { ids: [id], update_data: { [field]: value() } });
    await expectRefusedRequest(t, response, 'VALIDATION_ERROR');
    expect(response.data.error).toMatchObject({ details: { errors: [{ path: `/${field}` }] } });
    const rows = await rowsOf(t, 'attendance_records', [id]);
    expect(rows.get(id)).toMatchObject({ version: 1, site_id: plainSite, person_id: worker });
  });

  it("a punch_out_at before one record's punch-in fails that record only (partial)", async () => {
    const early = await attendanceIn('PENDING', { punch_in_at: `${today}T08:00:00Z` });
    const late = await attendanceIn('PENDING', { punch_in_at: `${today}T18:00:00Z` });
    const punchOut = `${today}T17:00:00.000Z`;
    const report = reportOf(
      await send('update', {
        ids: [early, late],
        update_data: { punch_out_at: punchOut },
        rollback_on_error: false,
      }),
    );
    expect(report).toMatchObject({ successful_ids: [early], was_rolled_back: false });
    expectFailures(report, { [late]: ['VALIDATION_ERROR', /punch_out_at/] });
    const rows = await rowsOf(t, 'attendance_records', [early, late]);
    expect(rows.get(early)).toMatchObject({ version: 2 });
    expect(new Date(rows.get(early)!.punch_out_at as string).toISOString()).toBe(punchOut);
    expect(rows.get(late)).toMatchObject({ version: 1, punch_out_at: null });
    await expectBulkAudit(t, report, {
      entity: 'attendance',
      eventType: 'UPDATED',
      changed: { [early]: { metadata: { version: 2 } } },
    });
  });

  it('fails a LOCKED record RECORD_LOCKED and commits the rest (partial)', async () => {
    const approved = await attendanceIn('APPROVED');
    const locked = await attendanceIn('LOCKED');
    const report = reportOf(
      await send('update', {
        ids: [locked, approved],
        update_data: { remarks: 'Late entry' },
        // A PATCH of a LOCKED record answers RECORD_LOCKED whatever version it names.
        versions: { [locked]: 9 },
        rollback_on_error: false,
      }),
    );
    expect(report).toMatchObject({ successful_ids: [approved], was_rolled_back: false });
    expectFailures(report, { [locked]: ['RECORD_LOCKED', /locked/] });
    const rows = await rowsOf(t, 'attendance_records', [approved, locked]);
    expect(rows.get(approved)).toMatchObject({ version: 2, remarks: 'Late entry' });
    expect(rows.get(locked)).toMatchObject({ status: 'LOCKED', version: 1, remarks: null });
  });

  it('fails a missing record and a stale version, and keeps every record (all-or-nothing)', async () => {
    const [fresh, stale] = [await attendanceIn('PENDING'), await attendanceIn('PENDING')];
    const missing = randomUUID();
    const report = reportOf(
      await send('update', {
        ids: [fresh, stale, missing],
        update_data: { remarks: 'Late entry' },
        versions: { [fresh]: 1, [stale]: 2 },
      }),
    );
    expectFailures(report, {
      [missing]: ['ENTITY_NOT_FOUND', /Attendance record not found/],
      [stale]: ['CONCURRENCY_ERROR', /current version 1, yours 2/],
    });
    expect(report).toMatchObject({ was_rolled_back: true, rolled_back_ids: [fresh] });
    await expectStates({ [fresh]: ['PENDING', 1], [stale]: ['PENDING', 1] });
  });

  it('fails every record for a person without attendance.update', async () => {
    const ids = [await attendanceIn('PENDING'), await attendanceIn('APPROVED')];
    const response = await send(
      'update',
      { ids, update_data: { remarks: 'Late' } },
      approver.token,
    );
    await expectDenied(response, approver, ids, 'attendance.update');
    await expectStates({ [ids[0]!]: ['PENDING', 1], [ids[1]!]: ['APPROVED', 1] });
  });
});
