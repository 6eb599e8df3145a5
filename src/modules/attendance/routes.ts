import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { recordRoutes } from '../../platform/http/record-routes.js';
import {
  bulkMove,
  bulkRoutes,
  bulkTransition,
  bulkUpdate,
  transitionRoutes,
} from '../../workflow/index.js';
import { attendance, ATTENDANCE, attendanceReferences } from './attendance-records.js';
import { validateAttendanceInput } from './attendance-rules.js';
import { ATTENDANCE_WORKFLOW } from './machine.js';
import {
  AttendanceSchema,
  CreateAttendanceBody,
  ListAttendanceQuery,
  UpdateAttendanceBody,
  type UpdateAttendanceInput,
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
  await app.register(
    bulkRoutes(ATTENDANCE_WORKFLOW, {
      tag: 'attendance',
      endpoints: [
        bulkTransition(ATTENDANCE_WORKFLOW.states),
        bulkMove('approve', 'APPROVED'),
        bulkMove('reject', 'REJECTED'),
        bulkMove('lock', 'LOCKED'),
        bulkUpdate<UpdateAttendanceInput>({
          patch: UpdateAttendanceBody,
          table: ATTENDANCE,
          permission: 'attendance.update',
          validate: validateAttendanceInput,
          references: attendanceReferences,
        }),
      ],
    }),
  );
};
