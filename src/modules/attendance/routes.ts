import { recordRoutes } from '../../platform/http/record-routes.js';
import { attendance } from './attendance-records.js';
import {
  AttendanceSchema,
  CreateAttendanceBody,
  ListAttendanceQuery,
  UpdateAttendanceBody,
} from './schemas.js';

export const attendanceRoutes = recordRoutes({
  path: '/attendance',
  tag: 'attendance',
  schemas: {
    record: AttendanceSchema,
    create: CreateAttendanceBody,
    update: UpdateAttendanceBody,
    listQuery: ListAttendanceQuery,
  },
  permissions: {
    view: 'attendance.view',
    create: 'attendance.create',
    update: 'attendance.update',
    delete: 'attendance.delete',
  },
  service: attendance,
});
