import { Type, type Static } from 'typebox';
import { EnumList } from '../../platform/records/filters.js';
import { ListQuery } from '../../platform/records/list-query.js';
import { Nullable, RecordFields, Timestamp, Uuid, VersionField } from '../../platform/schemas.js';

export const ATTENDANCE_STATUSES = [
  'PENDING',
  'APPROVED',
  'REJECTED',
  'ADJUSTED',
  'LOCKED',
] as const;

/** Where the person was at punch-in. */
export const Location = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lng: Type.Number({ minimum: -180, maximum: 180 }),
  },
  { additionalProperties: false },
);

/** A calendar day, `YYYY-MM-DD`. */
const WorkDate = Type.String({ format: 'date' });
const Remarks = Type.String({ maxLength: 1000 });

export const AttendanceSchema = Type.Object({
  ...RecordFields,
  person_id: Uuid,
  site_id: Uuid,
  work_date: Type.String(),
  punch_in_at: Nullable(Timestamp),
  punch_out_at: Nullable(Timestamp),
  location: Nullable(Location),
  status: Type.Enum(ATTENDANCE_STATUSES),
  status_changed_at: Timestamp,
  adjustment_reason: Nullable(Type.String()),
  remarks: Nullable(Type.String()),
});
export type AttendanceRecord = Static<typeof AttendanceSchema>;

export const CreateAttendanceBody = Type.Object(
  {
    person_id: Uuid,
    site_id: Uuid,
    work_date: WorkDate,
    punch_in_at: Type.Optional(Nullable(Timestamp)),
    punch_out_at: Type.Optional(Nullable(Timestamp)),
    location: Type.Optional(Nullable(Location)),
    remarks: Type.Optional(Nullable(Remarks)),
  },
  { additionalProperties: false },
);
export type CreateAttendanceInput = Static<typeof CreateAttendanceBody>;

export const UpdateAttendanceBody = Type.Object(
  {
    person_id: Type.Optional(Uuid),
    site_id: Type.Optional(Uuid),
    work_date: Type.Optional(WorkDate),
    punch_in_at: Type.Optional(Nullable(Timestamp)),
    punch_out_at: Type.Optional(Nullable(Timestamp)),
    location: Type.Optional(Nullable(Location)),
    remarks: Type.Optional(Nullable(Remarks)),
    version: VersionField,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateAttendanceInput = Static<typeof UpdateAttendanceBody>;

export const ATTENDANCE_SORTS = ['work_date', 'punch_in_at', 'created_at', 'updated_at'];

export const ListAttendanceQuery = ListQuery(
  {
    status: EnumList(ATTENDANCE_STATUSES),
    site_id: Uuid,
    person_id: Uuid,
    work_date_from: WorkDate,
    work_date_to: WorkDate,
  },
  ATTENDANCE_SORTS,
);
