import { sql } from 'kysely';
import { AppError } from '../../platform/errors.js';
import {
  atLeast,
  atMost,
  COMMON_SORTS,
  equals,
  oneOf,
  sortByColumn,
} from '../../platform/records/filters.js';
import type { ListSpec, RecordTable } from '../../platform/records/record-table.js';
import { recordService } from '../../platform/records/record-service.js';
import type { Reference } from '../../platform/records/references.js';
import { validateAttendanceInput } from './attendance-rules.js';
import type { CreateAttendanceInput, UpdateAttendanceInput } from './schemas.js';

export const ATTENDANCE: RecordTable = {
  table: 'attendance_records',
  entityType: 'attendance',
  entityName: 'Attendance record',
  columns: [
    'person_id',
    'site_id',
    'work_date',
    'punch_in_at',
    'punch_out_at',
    'location',
    'status',
    'status_changed_at',
    'adjustment_reason',
    'remarks',
  ],
  jsonColumns: ['location'],
  // Payroll has been run on a LOCKED record: the guard sits in the conditional UPDATE itself.
  frozen: {
    condition: sql<boolean>`status = 'LOCKED'`,
    error: () =>
      new AppError('RECORD_LOCKED', {
        message: 'This attendance record is locked and cannot be changed or deleted',
      }),
  },
};

const ATTENDANCE_LIST: ListSpec = {
  sorts: {
    ...COMMON_SORTS,
    work_date: sortByColumn('work_date', 'date'),
    punch_in_at: sortByColumn('punch_in_at', 'timestamptz', true),
  },
  defaultSort: '-work_date',
  filters: {
    status: oneOf('status'),
    site_id: equals('site_id'),
    person_id: equals('person_id'),
    work_date_from: atLeast('work_date'),
    work_date_to: atMost('work_date'),
  },
};

export const attendanceReferences = (input: {
  person_id?: string | undefined;
  site_id?: string | undefined;
}): Reference[] => [
  { field: 'person_id', table: 'people', id: input.person_id },
  { field: 'site_id', table: 'sites', id: input.site_id },
];

export const attendance = recordService<CreateAttendanceInput, UpdateAttendanceInput>({
  table: ATTENDANCE,
  list: ATTENDANCE_LIST,
  validate: validateAttendanceInput,
  references: attendanceReferences,
});
