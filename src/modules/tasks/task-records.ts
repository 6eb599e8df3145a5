import { recordService, type RecordService } from '../../platform/records/record-service.js';
import { createTask } from './create-task.js';
import type { CreateTaskInput, UpdateTaskInput } from './schemas.js';
import { TASKS, TASKS_LIST, taskReferences } from './task-table.js';

const generic = recordService<CreateTaskInput, UpdateTaskInput>({
  table: TASKS,
  list: TASKS_LIST,
  references: taskReferences,
});

export const tasks: RecordService<CreateTaskInput, UpdateTaskInput> = {
  ...generic,
  create: createTask,
};
