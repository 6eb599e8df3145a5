import type {
  Rule,
  WarningCheck,
  WorkflowDefinition,
  WorkflowRecord,
} from '../../workflow/index.js';
import { noFacts } from '../../workflow/index.js';
import { TASK_STATUSES } from './schemas.js';
import { TASKS } from './task-table.js';

const ASSIGNEE_REQUIRED: Rule<unknown> = {
  code: 'ASSIGNEE_REQUIRED',
  description: 'an assignee is set',
  holds: ({ record }) => record.assignee_id != null,
};

/** What the task's `requires_*` flags ask for and it does not have yet. */
export function missingCompletionRequirements(task: WorkflowRecord): string[] {
  const missing: string[] = [];
  if (task.requires_observation && (task.observations as unknown[]).length === 0) {
    missing.push('an observation');
  }
  if (task.requires_meter_reading && (task.meter_readings as unknown[]).length === 0) {
    missing.push('a meter reading');
  }
  if (task.requires_photo && (task.photo_count as number) < 1) missing.push('a photo');
  return missing;
}

const COMPLETION_REQUIREMENTS: Rule<unknown> = {
  code: 'COMPLETION_REQUIREMENTS',
  description: "the task's required observation, meter reading and photo are recorded",
  holds: ({ record }) => missingCompletionRequirements(record).length === 0,
};

/**
 * Past `due_at + grace_minutes` and not done: every transition on it says so. Read from the
 * record's `sla_breached`, which the database computed with the same clock as the list filter.
 */
const SLA_BREACH: WarningCheck<unknown> = {
  code: 'SLA_BREACH',
  description: 'the task is past its due time plus grace minutes and not completed',
  message: ({ record }) => {
    if (record.sla_breached !== true) return null;
    const deadline =
      new Date(record.due_at as string).getTime() + (record.grace_minutes as number) * 60_000;
    return `The task was due by ${new Date(deadline).toISOString()} (due time plus grace)`;
  },
};

/** Starting stamps the first start; completing stamps completion; reopening clears it. */
const started = ({ record, now }: { record: WorkflowRecord; now: Date }) => ({
  started_at: record.started_at ?? now,
});

/** SPEC §6, task. AUTOCLOSED is terminal. */
export const TASK_WORKFLOW: WorkflowDefinition<undefined> = {
  entity: 'task',
  path: 'tasks',
  table: TASKS,
  states: TASK_STATUSES,
  initial: 'ASSIGNED',
  loadFacts: noFacts,
  warnings: [SLA_BREACH],
  transitions: [
    ...['INPROGRESS', 'WORKING'].map((to) => ({
      from: ['ASSIGNED'],
      to,
      permission: 'tasks.start',
      rules: [ASSIGNEE_REQUIRED],
      changes: started,
    })),
    {
      from: ['ASSIGNED', 'INPROGRESS', 'WORKING'],
      to: 'STANDBY',
      permission: 'tasks.hold',
      commentsRequired: true,
    },
    { from: ['INPROGRESS'], to: 'WORKING', permission: 'tasks.update' },
    { from: ['WORKING'], to: 'INPROGRESS', permission: 'tasks.update' },
    {
      from: ['INPROGRESS', 'WORKING', 'PARTIALLYCOMPLETED'],
      to: 'COMPLETED',
      permission: 'tasks.complete',
      rules: [COMPLETION_REQUIREMENTS],
      changes: ({ now }) => ({ completed_at: now }),
    },
    {
      from: ['INPROGRESS', 'WORKING'],
      to: 'PARTIALLYCOMPLETED',
      permission: 'tasks.change_status',
    },
    { from: ['WORKING'], to: 'MAINTENANCE', permission: 'tasks.change_status' },
    {
      from: ['INPROGRESS', 'STANDBY'],
      to: 'ASSIGNED',
      name: 'reassign',
      permission: 'tasks.assign',
    },
    ...['INPROGRESS', 'WORKING'].map((to) => ({
      from: ['STANDBY'],
      to,
      permission: 'tasks.start',
      changes: started,
    })),
    {
      from: ['MAINTENANCE', 'PARTIALLYCOMPLETED'],
      to: 'WORKING',
      permission: 'tasks.update',
    },
    {
      from: ['MAINTENANCE', 'PARTIALLYCOMPLETED'],
      to: 'INPROGRESS',
      permission: 'tasks.update',
    },
    { from: ['COMPLETED'], to: 'AUTOCLOSED', permission: 'tasks.close' },
    {
      from: ['COMPLETED'],
      to: 'INPROGRESS',
      name: 'reopen',
      permission: 'tasks.reopen',
      commentsRequired: true,
      changes: () => ({ completed_at: null }),
    },
  ],
};
