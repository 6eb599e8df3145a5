import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type Body, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { auditOf, createRecord, createSite } from '../../../test/records.js';
import {
  expectDenied,
  expectPairOutcome,
  expectRule,
  expectUntouched,
  forceStatus,
  orderedPairs,
  stateChangesOf,
  transition,
} from '../../../test/transitions.js';
import { withPlatformTxBypassingRls } from '../../platform/db/transactions.js';
import { INSIDE, LONDON_SQUARE, today, twoMonthsBack } from '../../../test/attendance-fixtures.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

let t: TestApp;
let acme: TestTenant;
/** A London site with no geofence and no shift: no rule or warning but the ones a test sets up. */
let plainSite: string;
let personId: string;

const LONDON_HOLE = [
  [-0.12, 51.48],
  [-0.08, 51.48],
  [-0.08, 51.52],
  [-0.12, 51.52],
  [-0.12, 51.48],
];

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  plainSite = (await createSite(t, acme.adminToken)).id;
  personId = (await createPersonWith(t, acme, [])).id;
});
afterAll(() => t.close());

const STATES = ['PENDING', 'APPROVED', 'REJECTED', 'ADJUSTED', 'LOCKED'];

/** SPEC §6's attendance table, pair by pair, written out from the SPEC (not from the definition). */
const SPEC_PAIRS = new Set([
  'PENDING>APPROVED',
  'ADJUSTED>APPROVED',
  'PENDING>REJECTED',
  'PENDING>ADJUSTED',
  'APPROVED>ADJUSTED',
  'REJECTED>PENDING',
  'APPROVED>LOCKED',
  'ADJUSTED>LOCKED',
]);

const ALL_PAIRS = orderedPairs(STATES, SPEC_PAIRS);

const ATTENDANCE_PERMISSIONS = [
  'attendance.view',
  'attendance.create',
  'attendance.update',
  'attendance.delete',
  'attendance.approve',
  'attendance.reject',
  'attendance.adjust',
  'attendance.lock',
];

type Attendance = Body & { id: string; version: number };

/** A record of today at the plain site, with a location, unless the payload says otherwise. */
function createAttendance(payload: Body = {}, tenant = acme): Promise<Attendance> {
  return createRecord(t, tenant.adminToken, 'attendance', {
    person_id: personId,
    site_id: plainSite,
    work_date: today,
    location: INSIDE,
    ...payload,
  });
}

async function attendanceIn(status: string, payload: Body = {}): Promise<Attendance> {
  const record = await createAttendance(payload);
  await forceStatus(t, 'attendance_records', record.id, status);
  return record;
}

const move = (id: string, payload: Body, token = acme.adminToken) =>
  transition(t, token, 'attendance', id, payload);

const approve = (id: string) => move(id, { target_state: 'APPROVED' });

const rowOf = (id: string) =>
  withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx.selectFrom('attendance_records').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );

const errorOf = (response: { data: Body }) =>
  response.data.error as { code: string; details?: Record<string, unknown> };

const warningCodes = (response: { data: Body }) =>
  (response.data.warnings as { code: string }[]).map((warning) => warning.code);

describe('attendance transitions: every ordered pair of states', () => {
  it.each(ALL_PAIRS.map(({ from, to, allowed }) => [from, to, allowed] as const))(
    '%s -> %s succeeds exactly when SPEC §6 lists it',
    async (from, to, allowed) => {
      const record = await attendanceIn(from);
      const response = await move(record.id, {
        target_state: to,
        comments: 'Checked against the rota',
        metadata: { adjustment_reason: 'Rota correction' },
      });
      await expectPairOutcome(t, response, {
        table: 'attendance_records',
        id: record.id,
        from,
        to,
        version: record.version,
        allowed,
        actorId: acme.adminId,
        reason: 'Checked against the rota',
      });
    },
  );
});

describe('PAYROLL_CUTOFF_PASSED', () => {
  it("refuses a work date two months back and lets this month's through", async () => {
    const old = await createAttendance({ work_date: twoMonthsBack });
    expectRule(await approve(old.id), 'PAYROLL_CUTOFF_PASSED');
    expect(await rowOf(old.id)).toMatchObject({ status: 'PENDING', version: 1 });
    // ADJUSTED -> APPROVED is under the same rule.
    await forceStatus(t, 'attendance_records', old.id, 'ADJUSTED');
    expectRule(await approve(old.id), 'PAYROLL_CUTOFF_PASSED');

    const current = await createAttendance();
    const approved = await approve(current.id);
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.data).toMatchObject({ status: 'APPROVED' });
  });

  /**
   * A site zone, a work date last month and two grace values a day apart such that, now, the
   * lower one's cutoff has passed and the higher one's has not. Cutoffs are computed here on
   * fixed-offset zones, apart from the code under test; a zone 12 h away stands in when now is
   * too close to a day boundary.
   */
  function graceBoundary(now: number) {
    const margin = 10 * 60_000;
    const zones: [string, number][] = [
      ['UTC', 0],
      ['Etc/GMT-12', 12],
      ['Etc/GMT+12', -12],
    ];
    for (const [zone, offsetHours] of zones) {
      const wallClock = new Date(now + offsetHours * HOUR);
      const [year, month] = [wallClock.getUTCFullYear(), wallClock.getUTCMonth()];
      // Last month's cutoff with g grace days: 00:00 local on the 1st of this month, plus g days.
      const firstOfMonth = Date.UTC(year, month, 1) - offsetHours * HOUR;
      const workDate = new Date(Date.UTC(year, month - 1, 20)).toISOString().slice(0, 10);
      for (let low = 0; low < 31; low += 1) {
        const lowPassed = firstOfMonth + low * DAY < now - margin;
        const highOpen = firstOfMonth + (low + 1) * DAY > now + margin;
        if (lowPassed && highOpen) return { zone, workDate, low, high: low + 1 };
      }
    }
    throw new Error('no grace boundary found');
  }

  it("raising the tenant's payroll_grace_days reopens last month's record", async () => {
    const { zone, workDate, low, high } = graceBoundary(Date.now());
    const tenant = await createTenant(t, 'Graceful');
    const site = await createSite(t, tenant.adminToken, { timezone: zone });
    const person = await createPersonWith(t, tenant, []);
    const record = await createRecord(t, tenant.adminToken, 'attendance', {
      person_id: person.id,
      site_id: site.id,
      work_date: workDate,
    });
    const setGrace = async (days: number) => {
      const response = await call(t, tenant.adminToken, {
        method: 'PATCH',
        url: '/api/v1/tenant',
        payload: { payroll_grace_days: days },
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.data.payroll_grace_days).toBe(days);
    };

    await setGrace(low);
    const refused = await transition(t, tenant.adminToken, 'attendance', record.id, {
      target_state: 'APPROVED',
    });
    expectRule(refused, 'PAYROLL_CUTOFF_PASSED');

    await setGrace(high);
    const approved = await transition(t, tenant.adminToken, 'attendance', record.id, {
      target_state: 'APPROVED',
    });
    expect(approved.statusCode, `${zone} ${workDate} ${high}: ${approved.body}`).toBe(200);
  });
});

describe('OUTSIDE_GEOFENCE', () => {
  let fencedSite: string;
  beforeAll(async () => {
    fencedSite = (
      await createSite(t, acme.adminToken, {
        geofence: { type: 'Polygon', coordinates: [LONDON_SQUARE, LONDON_HOLE] },
      })
    ).id;
  });

  it('lets through a punch-in inside the geofence', async () => {
    const record = await createAttendance({ site_id: fencedSite, location: INSIDE });
    const response = await approve(record.id);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.data.warnings).toEqual([]);
  });

  it.each([
    ['outside it', { lat: 51.7, lng: -0.1 }],
    ['in its hole', { lat: 51.5, lng: -0.1 }],
    ['with lat and lng swapped', { lat: -0.15, lng: 51.45 }],
  ])('refuses a punch-in %s', async (_where, location) => {
    const record = await createAttendance({ site_id: fencedSite, location });
    expectRule(await approve(record.id), 'OUTSIDE_GEOFENCE');
    await expectUntouched(t, 'attendance_records', record.id, 'PENDING', 1);
  });

  it('lets through a record without a location, warning NO_LOCATION', async () => {
    const record = await createAttendance({ site_id: fencedSite, location: null });
    const response = await approve(record.id);
    expect(response.statusCode, response.body).toBe(200);
    expect(warningCodes(response)).toEqual(['NO_LOCATION']);
  });

  it('lets through any location at a site without a geofence', async () => {
    const record = await createAttendance({ location: { lat: -33.9, lng: 151.2 } });
    const response = await approve(record.id);
    expect(response.statusCode, response.body).toBe(200);
  });
});

describe('adjustments', () => {
  it.each([
    ['no metadata', undefined],
    ['no reason', {}],
    ['an empty reason', { adjustment_reason: '' }],
    ['a blank reason', { adjustment_reason: '   ' }],
    ['a reason that is not text', { adjustment_reason: 42 }],
  ])('ADJUSTMENT_REASON_REQUIRED: refuses %s', async (_case, metadata) => {
    const record = await createAttendance();
    expectRule(
      await move(record.id, { target_state: 'ADJUSTED', metadata }),
      'ADJUSTMENT_REASON_REQUIRED',
    );
    expect(await rowOf(record.id)).toMatchObject({ status: 'PENDING', adjustment_reason: null });
  });

  it('applies the corrected punch times and the reason, and audits them', async () => {
    const record = await createAttendance({
      punch_in_at: `${today}T08:00:00Z`,
      punch_out_at: `${today}T16:00:00Z`,
    });
    const correctedIn = `${today}T07:30:00.000Z`;
    const correctedOut = `${today}T16:15:00.000Z`;
    const response = await move(record.id, {
      target_state: 'ADJUSTED',
      metadata: {
        adjustment_reason: '  Badge reader was down  ',
        punch_in_at: `${today}T07:30:00Z`,
        punch_out_at: `${today}T17:15:00+01:00`,
      },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.data).toMatchObject({
      status: 'ADJUSTED',
      version: 2,
      punch_in_at: correctedIn,
      punch_out_at: correctedOut,
      adjustment_reason: 'Badge reader was down',
    });
    const row = await rowOf(record.id);
    expect(row).toMatchObject({ status: 'ADJUSTED', adjustment_reason: 'Badge reader was down' });
    expect(new Date(row.punch_in_at as unknown as string).toISOString()).toBe(correctedIn);
    expect(new Date(row.punch_out_at as unknown as string).toISOString()).toBe(correctedOut);

    const [entry] = await stateChangesOf(t, record.id);
    const changes = entry!.changes as Record<string, { old: unknown; new: unknown }>;
    expect(changes.status).toEqual({ old: 'PENDING', new: 'ADJUSTED' });
    expect(changes.adjustment_reason).toEqual({ old: null, new: 'Badge reader was down' });
    expect(Date.parse(changes.punch_in_at!.old as string)).toBe(Date.parse(`${today}T08:00:00Z`));
    expect(Date.parse(changes.punch_in_at!.new as string)).toBe(Date.parse(correctedIn));
    expect(Date.parse(changes.punch_out_at!.old as string)).toBe(Date.parse(`${today}T16:00:00Z`));
    expect(Date.parse(changes.punch_out_at!.new as string)).toBe(Date.parse(correctedOut));
  });

  it('answers 400 to a reason longer than 1000 characters, changing nothing', async () => {
    const record = await createAttendance();
    const response = await move(record.id, {
      target_state: 'ADJUSTED',
      metadata: { adjustment_reason: 'x'.repeat(1001) },
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.data).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
    expect(await rowOf(record.id)).toMatchObject({ status: 'PENDING', adjustment_reason: null });
  });

  it('keeps the times it is not given, and can adjust an APPROVED record', async () => {
    const record = await attendanceIn('APPROVED', { punch_in_at: `${today}T08:00:00Z` });
    const response = await move(record.id, {
      target_state: 'ADJUSTED',
      metadata: { adjustment_reason: 'Left late', punch_out_at: `${today}T18:00:00Z` },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.data).toMatchObject({
      punch_in_at: `${today}T08:00:00.000Z`,
      punch_out_at: `${today}T18:00:00.000Z`,
      adjustment_reason: 'Left late',
    });
    const changes = (await stateChangesOf(t, record.id))[0]!.changes as Body;
    expect(Object.keys(changes).sort()).toEqual(['adjustment_reason', 'punch_out_at', 'status']);
  });

  it.each([
    [
      'a punch-out before the punch-in',
      { punch_in_at: `${today}T09:00:00Z`, punch_out_at: `${today}T08:00:00Z` },
    ],
    ['a punch-out before the stored punch-in', { punch_out_at: `${today}T07:00:00Z` }],
    ['a time without an offset', { punch_in_at: `${today}T07:00:00` }],
    ['a time that is not one', { punch_in_at: 'yesterday morning' }],
    ['a time that is not text', { punch_out_at: 1700000000000 }],
    ['an impossible date', { punch_in_at: `${today.slice(0, 8)}45T07:00:00Z` }],
    ['30 February', { punch_in_at: '2026-02-30T07:00:00Z' }],
    ['year 0', { punch_in_at: '0000-06-01T07:00:00Z' }],
  ])('answers 400 for %s, changing nothing', async (_case, times) => {
    const record = await createAttendance({ punch_in_at: `${today}T08:00:00Z` });
    const response = await move(record.id, {
      target_state: 'ADJUSTED',
      metadata: { adjustment_reason: 'Fix', ...times },
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(errorOf(response).code).toBe('VALIDATION_ERROR');
    expect(await rowOf(record.id)).toMatchObject({
      status: 'PENDING',
      version: 1,
      adjustment_reason: null,
    });
    expect(await stateChangesOf(t, record.id)).toEqual([]);
  });
});

describe('attendance warnings', () => {
  let kolkataDay: string;
  let tokyoNight: string;
  beforeAll(async () => {
    kolkataDay = (
      await createSite(t, acme.adminToken, {
        timezone: 'Asia/Kolkata',
        shift_start: '09:00',
        shift_end: '17:00',
      })
    ).id;
    tokyoNight = (
      await createSite(t, acme.adminToken, {
        timezone: 'Asia/Tokyo',
        shift_start: '22:00',
        shift_end: '06:00',
      })
    ).id;
  });

  it.each([
    ['07:30+05:30', 'kolkata', ['OUTSIDE_SHIFT']],
    ['08:30+05:30', 'kolkata', []],
    ['17:45+05:30', 'kolkata', []],
    ['18:30+05:30', 'kolkata', ['OUTSIDE_SHIFT']],
    // 03:00 UTC is 08:30 in Kolkata, inside the window 08:00–18:00; read as UTC it would be outside.
    ['03:00Z', 'kolkata', []],
    ['23:30+09:00', 'tokyo', []],
    ['05:00+09:00', 'tokyo', []],
    ['12:00+09:00', 'tokyo', ['OUTSIDE_SHIFT']],
    ['20:30+09:00', 'tokyo', ['OUTSIDE_SHIFT']],
  ])('OUTSIDE_SHIFT: a punch-in at %s at the %s site warns %j', async (time, site, codes) => {
    const person = await createPersonWith(t, acme, []);
    const record = await createAttendance({
      person_id: person.id,
      site_id: site === 'kolkata' ? kolkataDay : tokyoNight,
      punch_in_at: `${today}T${time.replace(/(Z|[+-].*)$/, ':00$1')}`,
    });
    const response = await approve(record.id);
    expect(response.statusCode, response.body).toBe(200);
    expect(warningCodes(response)).toEqual(codes);
  });

  it('OUTSIDE_SHIFT looks at the corrected punch-in of an adjustment', async () => {
    const record = await createAttendance({
      site_id: kolkataDay,
      person_id: (await createPersonWith(t, acme, [])).id,
      punch_in_at: `${today}T09:00:00+05:30`,
    });
    const response = await move(record.id, {
      target_state: 'ADJUSTED',
      metadata: { adjustment_reason: 'Came early', punch_in_at: `${today}T06:00:00+05:30` },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(warningCodes(response)).toEqual(['OUTSIDE_SHIFT']);
  });

  it('POSSIBLE_DUPLICATE: another punch-in of the same person 3 minutes apart', async () => {
    const person = await createPersonWith(t, acme, []);
    const first = await createAttendance({
      person_id: person.id,
      punch_in_at: `${today}T08:00:00Z`,
    });
    const second = await createAttendance({
      person_id: person.id,
      punch_in_at: `${today}T08:03:00Z`,
    });
    for (const record of [first, second]) {
      const response = await approve(record.id);
      expect(response.statusCode, response.body).toBe(200);
      expect(warningCodes(response)).toEqual(['POSSIBLE_DUPLICATE']);
      expect((await stateChangesOf(t, record.id))[0]!.metadata).toMatchObject({
        warnings: ['POSSIBLE_DUPLICATE'],
      });
    }
  });

  it('POSSIBLE_DUPLICATE: not for punch-ins 10 minutes apart, nor for another person', async () => {
    const [me, someoneElse] = [
      await createPersonWith(t, acme, []),
      await createPersonWith(t, acme, []),
    ];
    const mine = await createAttendance({ person_id: me.id, punch_in_at: `${today}T10:00:00Z` });
    await createAttendance({ person_id: me.id, punch_in_at: `${today}T10:10:00Z` });
    await createAttendance({ person_id: someoneElse.id, punch_in_at: `${today}T10:01:00Z` });
    const response = await approve(mine.id);
    expect(response.statusCode, response.body).toBe(200);
    expect(warningCodes(response)).toEqual([]);
  });

  it('NO_LOCATION: a record without a location, on any transition', async () => {
    const record = await createAttendance({ location: null });
    const rejected = await move(record.id, { target_state: 'REJECTED', comments: 'No badge' });
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(warningCodes(rejected)).toEqual(['NO_LOCATION']);
    const resubmitted = await move(record.id, { target_state: 'PENDING' });
    expect(warningCodes(resubmitted)).toEqual(['NO_LOCATION']);
  });
});

describe('attendance transition permissions', () => {
  const cases: [string, string, string][] = [
    ['attendance.approve', 'PENDING', 'APPROVED'],
    ['attendance.reject', 'PENDING', 'REJECTED'],
    ['attendance.adjust', 'PENDING', 'ADJUSTED'],
    ['attendance.update', 'REJECTED', 'PENDING'],
    ['attendance.lock', 'APPROVED', 'LOCKED'],
  ];

  it.each(cases)(
    'without %s, %s -> %s answers 403 and audits the denial',
    async (permission, from, to) => {
      const person = await createPersonWith(
        t,
        acme,
        ATTENDANCE_PERMISSIONS.filter((p) => p !== permission),
      );
      const record = await attendanceIn(from);
      const response = await move(
        record.id,
        { target_state: to, comments: 'Go', metadata: { adjustment_reason: 'Fix' } },
        person.token,
      );
      await expectDenied(t, response, {
        table: 'attendance_records',
        id: record.id,
        from,
        to,
        version: 1,
        actorId: person.id,
        permission,
      });
    },
  );
});

describe('a LOCKED record', () => {
  it('refuses every transition and every PATCH or DELETE', async () => {
    const record = await createAttendance();
    expect((await approve(record.id)).statusCode).toBe(200);
    const locked = await move(record.id, { target_state: 'LOCKED' });
    expect(locked.statusCode, locked.body).toBe(200);
    expect(locked.data).toMatchObject({ status: 'LOCKED', version: 3 });

    for (const to of STATES) {
      const response = await move(record.id, {
        target_state: to,
        comments: 'Payroll was wrong',
        metadata: { adjustment_reason: 'Payroll was wrong' },
      });
      expect(response.statusCode, `${to}: ${response.body}`).toBe(409);
      expect(errorOf(response)).toMatchObject({
        code: 'INVALID_STATE_TRANSITION',
        details: { from_state: 'LOCKED', to_state: to, allowed_targets: [] },
      });
    }
    const url = `/api/v1/attendance/${record.id}`;
    const patched = await call(t, acme.adminToken, {
      method: 'PATCH',
      url,
      payload: { remarks: 'Late entry' },
    });
    expect(patched.statusCode, patched.body).toBe(409);
    expect(errorOf(patched).code).toBe('RECORD_LOCKED');
    const deleted = await call(t, acme.adminToken, { method: 'DELETE', url });
    expect(deleted.statusCode, deleted.body).toBe(409);
    expect(errorOf(deleted).code).toBe('RECORD_LOCKED');

    expect(await rowOf(record.id)).toMatchObject({
      status: 'LOCKED',
      version: 3,
      remarks: null,
      deleted_at: null,
    });
    const events = (await auditOf(t, record.id)).map((entry) => entry.event_type);
    expect(events).toEqual(['CREATED', 'STATE_CHANGED', 'STATE_CHANGED']);
  });
});
