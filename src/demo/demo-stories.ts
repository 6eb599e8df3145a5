/**
 * Where each demo record goes after it is created: the transitions it takes through its state
 * machine (SPEC §6), in order, with the comments a supervisor or technician would write. Each
 * list is indexed like the records it drives, oldest planned first, so older work is further on.
 */

export interface Step {
  to: string;
  comments?: string;
}

export type Story = readonly Step[];

const step = (to: string, comments?: string): Step => (comments ? { to, comments } : { to });

// Work orders.
const SUBMIT = step('SUBMITTED');
const APPROVE = step('APPROVED', 'Approved: the vendor quote is within budget.');
const REJECT = step('DRAFT', 'Attach the vendor quote and a photo of the fault, then resubmit.');
const START = step('IN_PROGRESS');
const COMPLETE = step('COMPLETED', 'Work done and tested; every checklist item signed off.');
const CLOSE = step('CLOSED', 'Checked on site with the requester; closing.');
const REOPEN = step(
  'IN_PROGRESS',
  'The fault came back the next day; reopening for a second visit.',
);
const cancel = (why: string) => step('CANCELLED', why);

const WO_APPROVED: Story = [SUBMIT, APPROVE];
const WO_IN_PROGRESS: Story = [...WO_APPROVED, START];
const WO_COMPLETED: Story = [...WO_IN_PROGRESS, COMPLETE];
const WO_CLOSED: Story = [...WO_COMPLETED, CLOSE];
const WO_REOPENED: Story = [...WO_COMPLETED, REOPEN];

/** 36 work orders, planned from 18 days ago to 17 days ahead. */
export const WORK_ORDER_STORIES: readonly Story[] = [
  // Planned 18 to 7 days ago: mostly done.
  WO_CLOSED,
  WO_CLOSED,
  [...WO_IN_PROGRESS, cancel('Asset scheduled for replacement under the capital plan.')],
  [...WO_REOPENED, COMPLETE, CLOSE],
  WO_CLOSED,
  WO_COMPLETED,
  WO_CLOSED,
  [...WO_APPROVED, cancel('The vendor cannot source parts; re-planned for next quarter.')],
  WO_CLOSED,
  WO_COMPLETED,
  WO_CLOSED,
  WO_REOPENED,
  // Planned in the last week or the coming few days: under way.
  WO_COMPLETED,
  WO_IN_PROGRESS,
  WO_IN_PROGRESS,
  WO_APPROVED,
  WO_COMPLETED,
  [SUBMIT, cancel('Duplicate of an earlier work order for the same fault.')],
  WO_IN_PROGRESS,
  WO_REOPENED,
  WO_APPROVED,
  [SUBMIT],
  WO_IN_PROGRESS,
  [SUBMIT, REJECT, SUBMIT, APPROVE],
  // Planned further ahead: still being raised and approved.
  WO_APPROVED,
  [SUBMIT],
  [],
  [SUBMIT],
  [SUBMIT, REJECT],
  [],
  [SUBMIT, REJECT, SUBMIT],
  [cancel('Raised in error: this is covered by the landlord.')],
  WO_APPROVED,
  [],
  [SUBMIT],
  [],
];

// Tasks.
const T_START = step('INPROGRESS');
const T_WORK = step('WORKING');
const T_HOLD = step('STANDBY', 'Waiting for a replacement part from stores.');
const T_PARTIAL = step('PARTIALLYCOMPLETED', 'Two of three floors done; the rest after cleaning.');
const T_MAINTENANCE = step('MAINTENANCE', 'Equipment taken offline for maintenance.');
const T_COMPLETE = step('COMPLETED', 'Readings logged, all within the normal range.');
const T_CLOSE = step('AUTOCLOSED');
const T_REOPEN = step('INPROGRESS', 'The reading looks wrong on review; please take it again.');
const T_REASSIGN = step('ASSIGNED', 'Reassigned: the technician is on leave this week.');

const T_AUTOCLOSED: Story = [T_START, T_COMPLETE, T_CLOSE];
const T_COMPLETED: Story = [T_START, T_WORK, T_COMPLETE];

/** 40 tasks, planned from 11 days ago to 4 days ahead. */
export const TASK_STORIES: readonly Story[] = [
  // Planned 11 to 5 days ago.
  T_AUTOCLOSED,
  [T_WORK, T_COMPLETE, T_CLOSE],
  T_AUTOCLOSED,
  [T_START, T_PARTIAL, T_COMPLETE, T_CLOSE],
  T_AUTOCLOSED,
  T_COMPLETED,
  T_AUTOCLOSED,
  [T_START, T_COMPLETE, T_REOPEN, T_COMPLETE],
  T_AUTOCLOSED,
  [T_WORK, T_COMPLETE, T_CLOSE],
  T_COMPLETED,
  T_AUTOCLOSED,
  [T_WORK, T_MAINTENANCE, T_WORK, T_COMPLETE],
  T_AUTOCLOSED,
  T_COMPLETED,
  [T_START, T_HOLD, T_REASSIGN],
  // Planned in the last five days.
  T_COMPLETED,
  [T_START, T_PARTIAL],
  [T_START, T_HOLD],
  [T_WORK, T_MAINTENANCE],
  [T_START, T_WORK],
  [T_START, T_COMPLETE, T_REOPEN],
  T_COMPLETED,
  [T_START],
  [T_WORK, T_PARTIAL],
  [T_HOLD],
  [T_WORK, T_HOLD, T_WORK],
  [T_WORK, T_MAINTENANCE],
  // Planned from now on.
  [T_START],
  [],
  [T_WORK],
  [],
  [T_HOLD],
  [],
  [T_START],
  [],
  [],
  [T_START, T_REASSIGN],
  [],
  [],
];

// Tickets.
const K_OPEN = step('OPEN');
const K_WORK = step('INPROGRESS');
const K_HOLD = step('ONHOLD', "Waiting for the contractor's visit.");
const K_RESOLVE = step('RESOLVED', 'Fixed and tested with the requester.');
const K_CLOSE = step('CLOSED', 'The requester confirmed the fix.');
const K_REOPEN = step('OPEN', 'The problem came back.');
const K_CANCEL = step('CANCELLED', 'Duplicate of an earlier ticket.');

/** 24 tickets, due from 8 days ago to 15 days ahead. */
export const TICKET_STORIES: readonly Story[] = [
  [K_OPEN, K_WORK, K_RESOLVE, K_CLOSE],
  [K_WORK, K_RESOLVE, K_CLOSE],
  [K_CANCEL],
  [K_OPEN, K_RESOLVE, K_REOPEN, K_WORK, K_RESOLVE, K_CLOSE],
  [K_OPEN, K_WORK, K_RESOLVE, K_CLOSE],
  [K_WORK, K_RESOLVE],
  [K_OPEN, K_HOLD, K_WORK, K_RESOLVE],
  [K_OPEN, step('CANCELLED', 'Reported in error: working as designed.')],
  [K_WORK, K_RESOLVE, K_CLOSE],
  [K_OPEN, K_HOLD],
  [K_OPEN, K_WORK],
  [K_WORK, K_RESOLVE, K_REOPEN],
  [K_WORK, K_RESOLVE],
  [K_OPEN, K_WORK],
  [K_WORK, K_HOLD],
  [K_OPEN],
  [K_WORK],
  [],
  [K_OPEN],
  [K_CANCEL],
  [],
  [K_OPEN],
  [],
  [],
];
