import { offsetAt, wallClockToUtc } from '../../platform/time-zones.js';

/**
 * The payroll cutoff of a work date (SPEC §6): the end of the last day of its month, plus the
 * tenant's grace days, on the site's clock. Approval is refused from this instant on.
 */
export function payrollCutoff(workDate: string, timeZone: string, graceDays: number): Date {
  const [year, month] = workDate.split('-').map(Number) as [number, number];
  // Day 1 of the next month, `graceDays` later: Date.UTC rolls months and years over.
  const day = new Date(Date.UTC(year, month, 1 + graceDays));
  return wallClockToUtc(day.toISOString().slice(0, 10), '00:00', timeZone);
}

const DAY_MINUTES = 24 * 60;
const SHIFT_TOLERANCE_MINUTES = 60;

const minutesOf = (hhmm: string) => {
  const [hours, minutes] = hhmm.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
};

/**
 * A punch-in more than an hour before the shift starts or after it ends, on the site's clock.
 * A shift that ends before it starts runs overnight (22:00–06:00); one that ends when it starts,
 * all day.
 */
export function isOutsideShift(
  punchIn: Date,
  timeZone: string,
  shift: { start: string; end: string },
): boolean {
  const localMinutes =
    Math.floor((punchIn.getTime() + offsetAt(punchIn, timeZone)) / 60_000) % DAY_MINUTES;
  const windowStart = minutesOf(shift.start) - SHIFT_TOLERANCE_MINUTES;
  // A shift that ends when it starts runs round the clock.
  const shiftLength =
    (minutesOf(shift.end) - minutesOf(shift.start) + DAY_MINUTES) % DAY_MINUTES || DAY_MINUTES;
  const windowLength = shiftLength + 2 * SHIFT_TOLERANCE_MINUTES;
  if (windowLength >= DAY_MINUTES) return false;
  const sinceWindowStart =
    (((localMinutes - windowStart) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
  return sinceWindowStart > windowLength;
}

const DUPLICATE_WINDOW_MS = 5 * 60_000;

/** Another punch-in of the same person within five minutes. */
export function hasNearbyPunchIn(punchIn: Date, others: readonly Date[]): boolean {
  return others.some(
    (other) => Math.abs(other.getTime() - punchIn.getTime()) <= DUPLICATE_WINDOW_MS,
  );
}
