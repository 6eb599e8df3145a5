import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { recordRoutes } from '../../platform/http/record-routes.js';
import { transitionRoutes } from '../../workflow/index.js';
import { attendance } from './attendance-records.js';
import { ATTENDANCE_WORKFLOW } from './machine.js';
import {
  AttendanceSchema,
  CreateAttendanceBody,
  ListAttendanceQuery,
  UpdateAttendanceBody,
} from './schemas.js';

const attendanceRecordRoutes = recordRoutes({
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

export const attendanceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(attendanceRecordRoutes);
  await app.register(
    transitionRoutes(ATTENDANCE_WORKFLOW, {
      tag: 'attendance',
      record: AttendanceSchema,
      viewPermission: 'attendance.view',
    }),
  );
};
