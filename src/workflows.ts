import { ATTENDANCE_WORKFLOW } from './modules/attendance/index.js';
import { TASK_WORKFLOW } from './modules/tasks/index.js';
import { TICKET_WORKFLOW } from './modules/tickets/index.js';
import { WORK_ORDER_WORKFLOW } from './modules/work-orders/index.js';
import type { WorkflowDefinition } from './workflow/index.js';

/** The four state machines (SPEC §6), for the catalogue routes and the CLI's diagrams. */
export const WORKFLOWS: readonly WorkflowDefinition<unknown>[] = [
  WORK_ORDER_WORKFLOW,
  TASK_WORKFLOW,
  ATTENDANCE_WORKFLOW,
  TICKET_WORKFLOW,
];
