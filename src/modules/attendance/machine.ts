import { sql } from 'kysely';
import { invalidField } from '../../platform/errors.js';
import type {
  Rule,
  TransitionFacts,
  WarningCheck,
  WorkflowDefinition,
  WorkflowRecord,
} from '../../workflow/index.js';
import { polygonContains, type Polygon } from '../sites/index.js';
import { hasNearbyPunchIn, isOutsideShift, payrollCutoff } from './attendance-checks.js';
import { ATTENDANCE } from './attendance-records.js';
import { ATTENDANCE_STATUSES } from './schemas.js';

/** What attendance rules read beyond the record: its site, the tenant's grace, nearby punches. */
export interface AttendanceFacts {
  timezone: string;
  geofence: Polygon | null;
  shift: { start: string; end: string } | null;
  payrollGraceDays: number;
  /** The person's other punch-ins within a day of this record's work date. */
  otherPunchIns: Date[];
}

type Facts = TransitionFacts<AttendanceFacts>;
type Location = { lat: number; lng: number };

const PAYROLL_CUTOFF_PASSED: Rule<AttendanceFacts> = {
  code: 'PAYROLL_CUTOFF_PASSED',
  description: "the payroll cutoff of the work date's month (plus grace days) has not passed",
  holds: ({ record, facts, now }) =>
    now < payrollCutoff(record.work_date as string, facts.timezone, facts.payrollGraceDays),
};

const OUTSIDE_GEOFENCE: Rule<AttendanceFacts> = {
  code: 'OUTSIDE_GEOFENCE',
  description: "the punch-in location is inside the site's geofence (when both exist)",
  holds: ({ record, facts }) =>
    !facts.geofence ||
    !record.location ||
    polygonContains(facts.geofence, record.location as Location),
};

const ADJUSTMENT_REASON_REQUIRED: Rule<AttendanceFacts> = {
  code: 'ADJUSTMENT_REASON_REQUIRED',
  description: 'metadata.adjustment_reason explains the adjustment',
  judgesInput: true,
  holds: ({ metadata }) =>
    typeof metadata.adjustment_reason === 'string' && metadata.adjustment_reason.trim() !== '',
};

const punchInOf = (record: WorkflowRecord) =>
  record.punch_in_at == null ? null : new Date(record.punch_in_at as string);

/** Warnings about the record as it will be (an adjustment may move its punch-in). */
const WARNINGS: WarningCheck<AttendanceFacts>[] = [
  {
    code: 'OUTSIDE_SHIFT',
    description: "the punch-in is more than an hour outside the site's shift",
    message: ({ facts }, next) => {
      const punchIn = punchInOf(next);
      return punchIn && facts.shift && isOutsideShift(punchIn, facts.timezone, facts.shift)
        ? `Punch-in is more than an hour outside the shift ${facts.shift.start}–${facts.shift.end}`
        : null;
    },
  },
  {
    code: 'POSSIBLE_DUPLICATE',
    description: 'the same person punched in within five minutes on another record',
    message: ({ facts }, next) => {
      const punchIn = punchInOf(next);
      return punchIn && hasNearbyPunchIn(punchIn, facts.otherPunchIns)
        ? 'The same person has another punch-in within five minutes'
        : null;
    },
  },
  {
    code: 'NO_LOCATION',
    description: 'no location was recorded at punch-in',
    message: (_input, next) => (next.location ? null : 'No location was recorded at punch-in'),
  },
];

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** The date part names a real day (no 30 February) from year 1 on. */
function isCalendarDate(timestamp: string): boolean {
  const [year, month, day] = timestamp.slice(0, 10).split('-').map(Number) as [
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 1 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A corrected time from the adjustment's metadata: absent, null (cleared) or an instant. */
function correctedTime(metadata: Facts['metadata'], field: string): Date | null | undefined {
  const value = metadata[field];
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string' || !TIMESTAMP.test(value) || !isCalendarDate(value)) {
    throw invalidField(`metadata.${field}`, 'must be an ISO 8601 date-time with an offset');
  }
  return new Date(value);
}

/** The adjustment's reason and corrected punch times, applied to the record. */
function adjustment({ record, metadata }: Facts) {
  const reason = String(metadata.adjustment_reason).trim();
  if (reason.length > 1000) {
    throw invalidField('metadata.adjustment_reason', 'must be at most 1000 characters');
  }
  const changes: Record<string, unknown> = { adjustment_reason: reason };
  for (const field of ['punch_in_at', 'punch_out_at']) {
    const time = correctedTime(metadata, field);
    if (time !== undefined) changes[field] = time;
  }
  const corrected = (field: string) =>
    (field in changes ? changes[field] : record[field]) as Date | string | null;
  const punchIn = corrected('punch_in_at');
  const punchOut = corrected('punch_out_at');
  if (punchIn && punchOut && new Date(punchOut) < new Date(punchIn)) {
    throw invalidField('metadata.punch_out_at', 'must not be before punch_in_at');
  }
  return changes;
}

/** SPEC §6, attendance. LOCKED is terminal and irreversible. */
export const ATTENDANCE_WORKFLOW: WorkflowDefinition<AttendanceFacts> = {
  entity: 'attendance',
  path: 'attendance',
  table: ATTENDANCE,
  states: ATTENDANCE_STATUSES,
  initial: 'PENDING',
  warnings: WARNINGS,
  transitions: [
    {
      from: ['PENDING', 'ADJUSTED'],
      to: 'APPROVED',
      permission: 'attendance.approve',
      rules: [PAYROLL_CUTOFF_PASSED, OUTSIDE_GEOFENCE],
    },
    {
      from: ['PENDING'],
      to: 'REJECTED',
      permission: 'attendance.reject',
      commentsRequired: true,
    },
    {
      from: ['PENDING', 'APPROVED'],
      to: 'ADJUSTED',
      permission: 'attendance.adjust',
      rules: [ADJUSTMENT_REASON_REQUIRED],
      changes: adjustment,
    },
    { from: ['REJECTED'], to: 'PENDING', name: 'resubmit', permission: 'attendance.update' },
    { from: ['APPROVED', 'ADJUSTED'], to: 'LOCKED', permission: 'attendance.lock' },
  ],
  loadFacts: async (tx, ctx, records) => {
    if (records.length === 0) return [];
    const { rows } = await sql<{
      id: string;
      timezone: string;
      geofence: Polygon | null;
      shift_start: string | null;
      shift_end: string | null;
      payroll_grace_days: number;
      other_punch_ins: string[];
    }>`
      select a.id, s.timezone, s.geofence, s.shift_start, s.shift_end, t.payroll_grace_days,
        array(
          select o.punch_in_at from attendance_records o
          where o.tenant_id = a.tenant_id and o.person_id = a.person_id and o.id <> a.id
            and o.deleted_at is null and o.punch_in_at is not null
            and o.work_date between a.work_date - 1 and a.work_date + 1
        ) as other_punch_ins
      from attendance_records a
      join sites s on s.tenant_id = a.tenant_id and s.id = a.site_id
      join tenants t on t.id = a.tenant_id
      where a.tenant_id = ${ctx.tenantId} and a.id = any(${sql.val(records.map((r) => r.id))}::uuid[])`.execute(
      tx,
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return records.map((record) => {
      const row = byId.get(record.id)!;
      return {
        timezone: row.timezone,
        geofence: row.geofence,
        shift:
          row.shift_start && row.shift_end ? { start: row.shift_start, end: row.shift_end } : null,
        payrollGraceDays: row.payroll_grace_days,
        otherPunchIns: row.other_punch_ins.map((instant) => new Date(instant)),
      };
    });
  },
};
