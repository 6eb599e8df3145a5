export { attendanceRoutes } from './routes.js';
export { attendance, ATTENDANCE } from './attendance-records.js';
export {
  ATTENDANCE_STATUSES,
  Location,
  type AttendanceRecord,
  type CreateAttendanceInput,
  type UpdateAttendanceInput,
} from './schemas.js';
export { ATTENDANCE_WORKFLOW } from './machine.js';
