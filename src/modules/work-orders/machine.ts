import { noFacts, type Rule, type WorkflowDefinition } from '../../workflow/index.js';
import { WORK_ORDERS } from './repository.js';
import { WORK_ORDER_STATUSES, type LineItemSummary } from './schemas.js';

const VENDOR_REQUIRED: Rule<unknown> = {
  code: 'VENDOR_REQUIRED',
  description: 'a vendor is assigned',
  holds: ({ record }) => record.vendor_id != null,
};

const LINE_ITEMS_INCOMPLETE: Rule<unknown> = {
  code: 'LINE_ITEMS_INCOMPLETE',
  description: 'at least one line item, and every mandatory one done',
  reads: ['line_items'],
  holds: ({ record }) => {
    const items = record.line_items as LineItemSummary[];
    return items.length > 0 && items.every((item) => item.done || !item.mandatory);
  },
};

/** SPEC §6, work order. CLOSED and CANCELLED are terminal. */
export const WORK_ORDER_WORKFLOW: WorkflowDefinition<undefined> = {
  entity: 'work_order',
  path: 'work-orders',
  table: WORK_ORDERS,
  states: WORK_ORDER_STATUSES,
  initial: 'DRAFT',
  loadFacts: noFacts,
  transitions: [
    { from: ['DRAFT'], to: 'SUBMITTED', permission: 'work_orders.update' },
    {
      from: ['SUBMITTED'],
      to: 'APPROVED',
      permission: 'work_orders.approve',
      rules: [VENDOR_REQUIRED],
    },
    {
      from: ['SUBMITTED'],
      to: 'DRAFT',
      name: 'reject',
      permission: 'work_orders.reject',
      commentsRequired: true,
    },
    { from: ['APPROVED'], to: 'IN_PROGRESS', permission: 'work_orders.start' },
    {
      from: ['IN_PROGRESS'],
      to: 'COMPLETED',
      permission: 'work_orders.complete',
      commentsRequired: true,
      rules: [LINE_ITEMS_INCOMPLETE],
    },
    {
      from: ['COMPLETED'],
      to: 'CLOSED',
      permission: 'work_orders.close',
      commentsRequired: true,
    },
    {
      from: ['COMPLETED'],
      to: 'IN_PROGRESS',
      name: 'reopen',
      permission: 'work_orders.reopen',
      commentsRequired: true,
    },
    {
      from: ['DRAFT', 'SUBMITTED', 'APPROVED', 'IN_PROGRESS'],
      to: 'CANCELLED',
      permission: 'work_orders.cancel',
      commentsRequired: true,
    },
  ],
};
