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

export const TICKETS: RecordTable = {
  table: 'tickets',
  entityType: 'ticket',
  entityName: 'Ticket',
  assignee: { field: 'assignee_id', permission: 'tickets.assign', table: 'people' },
  columns: [
    'number',
    'title',
    'description',
    'category',
    'site_id',
    'requester_id',
    'assignee_id',
    'priority',
    'status',
    'status_changed_at',
    'due_at',
  ],
};

export const TICKETS_LIST: ListSpec = {
  sorts: {
    ...COMMON_SORTS,
    due_at: sortByColumn('due_at', 'timestamptz', true),
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
    requester_id: equals('requester_id'),
    category: equals('category'),
    due_from: atLeast('due_at'),
    due_to: atMost('due_at'),
    created_from: atLeast('created_at'),
    created_to: atMost('created_at'),
  },
};

/** The records a ticket names; each must be a live record of the tenant. */
export function ticketReferences(input: {
  site_id?: string | null | undefined;
  requester_id?: string | null | undefined;
  assignee_id?: string | null | undefined;
}): Reference[] {
  return [
    { field: 'site_id', table: 'sites', id: input.site_id },
    { field: 'requester_id', table: 'people', id: input.requester_id },
    { field: 'assignee_id', table: 'people', id: input.assignee_id },
  ];
}
