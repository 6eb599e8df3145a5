export { taskRoutes } from './routes.js';
export { tasks } from './task-records.js';
export { TASKS } from './task-table.js';
export { taskTemplates, TASK_TEMPLATES } from './task-template-records.js';
export { createTask } from './create-task.js';
export {
  TASK_STATUSES,
  TaskSchema,
  TaskTemplateSchema,
  type CreateTaskInput,
  type CreateTaskTemplateInput,
  type TaskRecord,
  type TaskStatus,
  type TaskTemplateRecord,
  type UpdateTaskInput,
  type UpdateTaskTemplateInput,
} from './schemas.js';
export { TASK_WORKFLOW } from './machine.js';
