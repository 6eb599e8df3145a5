/**
 * Which state each demo attendance record ends in. Approval is refused once a record's payroll
 * cutoff has passed or it was punched in outside its site (SPEC §6), and which records that hits
 * depends on the day the demo is seeded. So the engine first says which records it would approve
 * now, and the plan spreads every state over what it is given: the oldest approvable records are
 * locked for payroll, the rest approved, a few adjusted or rejected, the newest left pending;
 * records that can no longer be approved stay pending or are rejected.
 */

export type AttendanceOutcome =
  'PENDING' | 'REJECTED' | 'RESUBMITTED' | 'APPROVED' | 'ADJUSTED' | 'LOCKED' | 'ADJUSTED_LOCKED';

/** The state a record is left in by each outcome. */
export const FINAL_STATE: Record<AttendanceOutcome, string> = {
  PENDING: 'PENDING',
  REJECTED: 'REJECTED',
  RESUBMITTED: 'PENDING',
  APPROVED: 'APPROVED',
  ADJUSTED: 'ADJUSTED',
  LOCKED: 'LOCKED',
  ADJUSTED_LOCKED: 'LOCKED',
};

export interface AttendanceCandidate {
  workDate: string;
  /** The rules that would refuse approving it now (none: it may be approved). */
  blockedBy: readonly string[];
}

/** One outcome per candidate, in the candidates' order. */
export function planAttendance(candidates: readonly AttendanceCandidate[]): AttendanceOutcome[] {
  const byDate = candidates
    .map((_, i) => i)
    .sort((a, b) => candidates[a]!.workDate.localeCompare(candidates[b]!.workDate) || a - b);
  const approvable = byDate.filter((i) => candidates[i]!.blockedBy.length === 0);
  const held = byDate.filter((i) => candidates[i]!.blockedBy.length > 0);
  const outcomes: AttendanceOutcome[] = [];

  // Oldest first: locked, then approved (some adjusted or rejected), the newest pending. From five
  // approvable records on, at least one is locked, one approved and one adjusted.
  const locked = Math.max(1, Math.floor(approvable.length * 0.4));
  const approved = approvable.length - Math.floor(approvable.length * 0.15);
  approvable.forEach((i, k) => {
    outcomes[i] =
      k < locked ? lockedOutcome(k) : k < approved ? approvedOutcome(k - locked) : 'PENDING';
  });
  // Not approvable now: outside the site, rejected; past the cutoff, mostly left pending, one in
  // six rejected and one in six rejected then resubmitted.
  held.forEach((i, j) => {
    const outside = candidates[i]!.blockedBy.includes('OUTSIDE_GEOFENCE');
    outcomes[i] = outside || j % 6 === 0 ? 'REJECTED' : j % 6 === 3 ? 'RESUBMITTED' : 'PENDING';
  });
  return outcomes;
}

const lockedOutcome = (k: number): AttendanceOutcome =>
  k % 4 === 1 ? 'ADJUSTED_LOCKED' : 'LOCKED';

function approvedOutcome(m: number): AttendanceOutcome {
  if (m % 6 === 1) return 'ADJUSTED';
  if (m % 6 === 4) return 'REJECTED';
  return 'APPROVED';
}
