import { ensurePermission } from '../../platform/auth/permissions.js';
import { recordService, type RecordService } from '../../platform/records/record-service.js';
import { createTask } from './create-task.js';
import type { CreateTaskInput, UpdateTaskInput } from './schemas.js';
import { TASKS, TASKS_LIST, taskReferences } from './task-table.js';

const generic = recordService<CreateTaskInput, UpdateTaskInput>({
  table: TASKS,
  list: TASKS_LIST,
  references: taskReferences,
  // Any assignee_id in a PATCH is an assignment, even one naming the current assignee.
  authorizeUpdate: async (ctx, input) => {
    if (input.assignee_id !== undefined) {
      await ensurePermission(ctx, 'tasks.assign', 'PATCH /api/v1/tasks/:id');
    }
  },
});

export const tasks: RecordService<CreateTaskInput, UpdateTaskInput> = {
  ...generic,
  create: createTask,
};
