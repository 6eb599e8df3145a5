import { describe, expect, it } from 'vitest';
import type { WorkflowRecord } from '../../workflow/index.js';
import { hasNearbyPunchIn, isOutsideShift, payrollCutoff } from './attendance-checks.js';
import { ATTENDANCE_WORKFLOW, type AttendanceFacts } from './machine.js';

const approve = ATTENDANCE_WORKFLOW.transitions.find((t) => t.to === 'APPROVED')!;
const cutoffRule = approve.rules!.find((rule) => rule.code === 'PAYROLL_CUTOFF_PASSED')!;

/** Whether the approval rule lets a record of `workDate` through at `now`. */
function approvable(workDate: string, timezone: string, graceDays: number, now: Date): boolean {
  const record = { id: 'a', status: 'PENDING', version: 1, work_date: workDate } as WorkflowRecord;
  const facts: AttendanceFacts = {
    timezone,
    geofence: null,
    shift: null,
    payrollGraceDays: graceDays,
    otherPunchIns: [],
  };
  return cutoffRule.holds({ record, facts, comments: null, metadata: {}, now });
}

describe('payroll cutoff', () => {
  // Expected instants worked out by hand: 00:00 local on (1st of next month + grace) in UTC.
  it.each([
    // Kiritimati is UTC+14: the local midnight falls at 10:00 UTC the day before.
    ['2026-11-30', 'Pacific/Kiritimati', 0, '2026-11-30T10:00:00.000Z'],
    ['2026-11-30', 'Pacific/Kiritimati', 3, '2026-12-03T10:00:00.000Z'],
    ['2026-12-01', 'Pacific/Kiritimati', 0, '2026-12-31T10:00:00.000Z'],
    ['2026-12-01', 'Pacific/Kiritimati', 3, '2027-01-03T10:00:00.000Z'],
    // Pago Pago is UTC-11: the local midnight falls at 11:00 UTC the same day.
    ['2026-11-30', 'Pacific/Pago_Pago', 0, '2026-12-01T11:00:00.000Z'],
    ['2026-11-30', 'Pacific/Pago_Pago', 3, '2026-12-04T11:00:00.000Z'],
    ['2026-12-01', 'Pacific/Pago_Pago', 0, '2027-01-01T11:00:00.000Z'],
    ['2026-12-01', 'Pacific/Pago_Pago', 3, '2027-01-04T11:00:00.000Z'],
    // December rolls over into January of the next year.
    ['2026-12-31', 'Pacific/Kiritimati', 3, '2027-01-03T10:00:00.000Z'],
    ['2026-12-31', 'America/New_York', 0, '2027-01-01T05:00:00.000Z'],
    ['2026-12-31', 'America/New_York', 3, '2027-01-04T05:00:00.000Z'],
    // New York on daylight time (EDT, UTC-4) and across the November change back to EST.
    ['2026-03-10', 'America/New_York', 0, '2026-04-01T04:00:00.000Z'],
    ['2026-10-31', 'America/New_York', 0, '2026-11-01T04:00:00.000Z'],
    ['2026-10-31', 'America/New_York', 3, '2026-11-04T05:00:00.000Z'],
    // Santiago skips its midnight of 6 September 2026 (00:00 -> 01:00): the cutoff is 01:00 -03.
    ['2026-08-10', 'America/Santiago', 5, '2026-09-06T04:00:00.000Z'],
    // February of a leap year ends on the 29th, of a common year on the 28th.
    ['2028-02-28', 'Pacific/Kiritimati', 0, '2028-02-29T10:00:00.000Z'],
    ['2028-02-29', 'Pacific/Kiritimati', 3, '2028-03-03T10:00:00.000Z'],
    ['2024-02-29', 'Pacific/Pago_Pago', 0, '2024-03-01T11:00:00.000Z'],
    ['2027-02-28', 'Pacific/Pago_Pago', 0, '2027-03-01T11:00:00.000Z'],
    ['2028-02-01', 'America/New_York', 3, '2028-03-04T05:00:00.000Z'],
  ])('a work date of %s in %s with %i grace days is cut off at %s', (date, zone, grace, cutoff) => {
    expect(payrollCutoff(date, zone, grace).toISOString()).toBe(cutoff);
    const at = Date.parse(cutoff);
    expect(approvable(date, zone, grace, new Date(at - 1))).toBe(true);
    expect(approvable(date, zone, grace, new Date(at))).toBe(false);
    expect(approvable(date, zone, grace, new Date(at + 1))).toBe(false);
  });

  it('tells apart the two sides of a month end at one instant, far from UTC', () => {
    // 10:30 UTC on 30 November is already 00:30 on 1 December in Kiritimati.
    const now = new Date('2026-11-30T10:30:00Z');
    expect(approvable('2026-11-30', 'Pacific/Kiritimati', 0, now)).toBe(false);
    expect(approvable('2026-12-01', 'Pacific/Kiritimati', 0, now)).toBe(true);
    expect(approvable('2026-11-30', 'Pacific/Kiritimati', 3, now)).toBe(true);
    // The same instant is 23:30 on 29 November in Pago Pago: November is still open.
    expect(approvable('2026-11-30', 'Pacific/Pago_Pago', 0, now)).toBe(true);
    expect(approvable('2026-10-31', 'Pacific/Pago_Pago', 0, now)).toBe(false);
  });

  it('does not depend on the day of the month of the work date', () => {
    const cutoffs = ['2026-11-01', '2026-11-15', '2026-11-30'].map((date) =>
      payrollCutoff(date, 'America/New_York', 3).toISOString(),
    );
    expect(new Set(cutoffs)).toEqual(new Set(['2026-12-04T05:00:00.000Z']));
  });
});

describe('outside the shift', () => {
  const dayShift = { start: '09:00', end: '17:00' };
  const nightShift = { start: '22:00', end: '06:00' };

  // Asia/Kolkata is UTC+05:30: the half hour catches an offset applied in whole hours.
  it.each([
    ['07:58', true],
    ['07:59', true],
    ['08:00', false],
    ['09:00', false],
    ['12:00', false],
    ['17:00', false],
    ['18:00', false],
    ['18:01', true],
    ['23:00', true],
    ['00:00', true],
  ])('a punch-in at %s in Kolkata against 09:00–17:00: outside %s', (time, outside) => {
    const punchIn = new Date(`2026-03-02T${time}:00+05:30`);
    expect(isOutsideShift(punchIn, 'Asia/Kolkata', dayShift)).toBe(outside);
  });

  it.each([
    ['20:59', true],
    ['21:00', false],
    ['23:30', false],
    ['00:00', false],
    ['05:00', false],
    ['07:00', false],
    ['07:01', true],
    ['12:00', true],
  ])('a punch-in at %s in New York against 22:00–06:00: outside %s', (time, outside) => {
    // January is EST (UTC-5), July is EDT (UTC-4): both must read the same wall clock.
    const winter = new Date(`2026-01-15T${time}:00-05:00`);
    const summer = new Date(`2026-07-15T${time}:00-04:00`);
    expect(isOutsideShift(winter, 'America/New_York', nightShift)).toBe(outside);
    expect(isOutsideShift(summer, 'America/New_York', nightShift)).toBe(outside);
  });

  it('reads the local clock, not the UTC one, in a zone a day ahead of UTC', () => {
    // 19:30 UTC is 09:30 the next day in Kiritimati: inside a day shift there, not in London.
    const punchIn = new Date('2026-05-10T19:30:00Z');
    expect(isOutsideShift(punchIn, 'Pacific/Kiritimati', dayShift)).toBe(false);
    expect(isOutsideShift(punchIn, 'Europe/London', dayShift)).toBe(true);
  });

  it('never flags a shift that ends when it starts (round the clock)', () => {
    const punchIn = new Date('2026-05-10T15:00:00Z');
    expect(isOutsideShift(punchIn, 'UTC', { start: '06:00', end: '06:00' })).toBe(false);
  });

  it('never flags a shift that with its tolerance covers the whole day', () => {
    const punchIn = new Date('2026-05-10T03:00:00Z');
    expect(isOutsideShift(punchIn, 'UTC', { start: '08:00', end: '06:00' })).toBe(false);
  });
});

describe('a nearby punch-in of the same person', () => {
  const punchIn = new Date('2026-06-01T08:00:00Z');
  const minutes = (n: number) => new Date(punchIn.getTime() + n * 60_000);

  it.each([
    [4 + 59 / 60, true],
    [5, true],
    [5 + 1 / 60, false],
  ])('another punch-in %f minutes away counts: %s', (distance, nearby) => {
    expect(hasNearbyPunchIn(punchIn, [minutes(distance)])).toBe(nearby);
    expect(hasNearbyPunchIn(punchIn, [minutes(-distance)])).toBe(nearby);
  });

  it('looks at every other punch-in and needs at least one', () => {
    expect(hasNearbyPunchIn(punchIn, [])).toBe(false);
    expect(hasNearbyPunchIn(punchIn, [minutes(-60), minutes(3), minutes(90)])).toBe(true);
    expect(hasNearbyPunchIn(punchIn, [minutes(-60), minutes(90)])).toBe(false);
  });
});
