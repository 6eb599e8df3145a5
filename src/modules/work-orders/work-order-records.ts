import {
  atLeast,
  atMost,
  COMMON_SORTS,
  equals,
  oneOf,
  sortByColumn,
  sortByPriority,
} from '../../platform/records/filters.js';
import type { ListSpec } from '../../platform/records/record-table.js';
import { recordService, type RecordService } from '../../platform/records/record-service.js';
import { createWorkOrder } from './create-work-order.js';
import { WORK_ORDERS } from './repository.js';
import type { CreateWorkOrderInput, UpdateWorkOrderInput } from './schemas.js';
import { validateSchedule, workOrderReferences } from './work-order-rules.js';

const WORK_ORDERS_LIST: ListSpec = {
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
    asset_id: equals('asset_id'),
    vendor_id: equals('vendor_id'),
    assigned_to: equals('assigned_to'),
    due_from: atLeast('due_at'),
    due_to: atMost('due_at'),
    planned_from: atLeast('planned_at'),
    planned_to: atMost('planned_at'),
    created_from: atLeast('created_at'),
    created_to: atMost('created_at'),
  },
};

const generic = recordService<CreateWorkOrderInput, UpdateWorkOrderInput>({
  table: WORK_ORDERS,
  list: WORK_ORDERS_LIST,
  validate: validateSchedule,
  references: workOrderReferences,
});

/** The work-order record path: the generic reads, update and delete; creation numbers and adds line items. */
export const workOrders: RecordService<CreateWorkOrderInput, UpdateWorkOrderInput> = {
  ...generic,
  create: createWorkOrder,
};
