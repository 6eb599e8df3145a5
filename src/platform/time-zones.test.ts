import { describe, expect, it } from 'vitest';
import { offsetAt, wallClockToUtc } from './time-zones.js';

describe('wall-clock time in a time zone', () => {
  it.each([
    ['2026-01-15', '09:00', 'Europe/London', '2026-01-15T09:00:00.000Z'],
    ['2026-07-15', '09:00', 'Europe/London', '2026-07-15T08:00:00.000Z'],
    ['2026-03-01', '22:00', 'Asia/Kolkata', '2026-03-01T16:30:00.000Z'],
    ['2026-11-30', '23:59', 'Pacific/Kiritimati', '2026-11-30T09:59:00.000Z'],
    ['2026-12-31', '23:59', 'America/Chicago', '2027-01-01T05:59:00.000Z'],
    ['2026-03-08', '02:30', 'America/Chicago', '2026-03-08T08:30:00.000Z'],
    ['2026-11-01', '01:30', 'America/Chicago', '2026-11-01T06:30:00.000Z'],
  ])('%s %s in %s is %s', (date, time, zone, expected) => {
    expect(wallClockToUtc(date, time, zone).toISOString()).toBe(expected);
  });

  it('knows the offset of a zone at an instant', () => {
    expect(offsetAt(new Date('2026-06-01T00:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * 3600_000);
    expect(offsetAt(new Date('2026-06-01T00:00:00Z'), 'UTC')).toBe(0);
  });
});
