import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  bulkAssign,
  bulkMove,
  bulkRoutes,
  bulkTransition,
  transitionRoutes,
} from '../../workflow/index.js';
import { TASK_WORKFLOW } from './machine.js';
import { recordRoutes } from '../../platform/http/record-routes.js';
import {
  CreateTaskBody,
  CreateTaskTemplateBody,
  ListTasksQuery,
  ListTaskTemplatesQuery,
  TaskSchema,
  TaskTemplateSchema,
  UpdateTaskBody,
  UpdateTaskTemplateBody,
} from './schemas.js';
import { tasks } from './task-records.js';
import { TASKS } from './task-table.js';
import { taskTemplates } from './task-template-records.js';

const PERMISSIONS = {
  view: 'tasks.view',
  create: 'tasks.create',
  update: 'tasks.update',
  delete: 'tasks.delete',
};

const templateRoutes = recordRoutes({
  path: '/task-templates',
  tag: 'tasks',
  schemas: {
    record: TaskTemplateSchema,
    create: CreateTaskTemplateBody,
    update: UpdateTaskTemplateBody,
    listQuery: ListTaskTemplatesQuery,
  },
  permissions: PERMISSIONS,
  service: taskTemplates,
});

const taskRecordRoutes = recordRoutes({
  path: '/tasks',
  tag: 'tasks',
  schemas: {
    record: TaskSchema,
    create: CreateTaskBody,
    update: UpdateTaskBody,
    listQuery: ListTasksQuery,
  },
  permissions: PERMISSIONS,
  service: tasks,
});

export const taskRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(templateRoutes);
  await app.register(taskRecordRoutes);
  await app.register(
    transitionRoutes(TASK_WORKFLOW, {
      tag: 'tasks',
      record: TaskSchema,
      viewPermission: 'tasks.view',
    }),
  );
  await app.register(
    bulkRoutes(TASK_WORKFLOW, {
      tag: 'tasks',
      endpoints: [
        bulkTransition(TASK_WORKFLOW.states),
        bulkMove('start', 'INPROGRESS'),
        bulkMove('complete', 'COMPLETED'),
        bulkAssign(TASKS, 'tasks.update'),
      ],
    }),
  );
};
