import { sql } from 'kysely';
import {
  COMMON_SORTS,
  atLeast,
  atMost,
  equals,
  oneOf,
  sortByColumn,
  sortByPriority,
} from '../../platform/records/filters.js';
import type { ListSpec, RecordTable } from '../../platform/records/record-table.js';
import type { Reference } from '../../platform/records/references.js';

/** Past `due_at + grace_minutes` and not done (SPEC §6); never null. */
const SLA_BREACHED = sql<boolean>`(r.due_at is not null
  and r.status not in ('COMPLETED', 'AUTOCLOSED')
  and r.due_at + make_interval(mins => r.grace_minutes) < now())`;

export const TASKS: RecordTable = {
  table: 'tasks',
  entityType: 'task',
  entityName: 'Task',
  assignee: { field: 'assignee_id', permission: 'tasks.assign', table: 'people' },
  columns: [
    'number',
    'template_id',
    'title',
    'description',
    'site_id',
    'assignee_id',
    'priority',
    'status',
    'status_changed_at',
    'planned_at',
    'due_at',
    'grace_minutes',
    'started_at',
    'completed_at',
    'observations',
    'meter_readings',
    'photo_count',
    'requires_observation',
    'requires_meter_reading',
    'requires_photo',
  ],
  jsonColumns: ['observations', 'meter_readings'],
  computed: { sla_breached: SLA_BREACHED },
};

export const TASKS_LIST: ListSpec = {
  sorts: {
    ...COMMON_SORTS,
    due_at: sortByColumn('due_at', 'timestamptz', true),
    planned_at: sortByColumn('planned_at', 'timestamptz', true),
    priority: sortByPriority,
    number: sortByColumn('number', 'text'),
    title: sortByColumn('title', 'text'),
  },
  defaultSort: '-created_at',
  filters: {
    status: oneOf('status'),
    priority: oneOf('priority'),
    site_id: equals('site_id'),
    assignee_id: equals('assignee_id'),
    template_id: equals('template_id'),
    due_from: atLeast('due_at'),
    due_to: atMost('due_at'),
    planned_from: atLeast('planned_at'),
    planned_to: atMost('planned_at'),
    sla_breached: (breached: boolean) => (breached ? SLA_BREACHED : sql`not ${SLA_BREACHED}`),
  },
};

/** The records a task names; each must be a live record of the tenant. */
export function taskReferences(input: {
  template_id?: string | null | undefined;
  site_id?: string | null | undefined;
  assignee_id?: string | null | undefined;
}): Reference[] {
  return [
    { field: 'template_id', table: 'task_templates', id: input.template_id },
    { field: 'site_id', table: 'sites', id: input.site_id },
    { field: 'assignee_id', table: 'people', id: input.assignee_id },
  ];
}
