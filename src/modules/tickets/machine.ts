import { noFacts, type WorkflowDefinition } from '../../workflow/index.js';
import { TICKET_STATUSES } from './schemas.js';
import { TICKETS } from './ticket-table.js';

const WORKING_STATES = ['OPEN', 'INPROGRESS', 'ONHOLD'] as const;

/** SPEC §6, ticket. CLOSED and CANCELLED are terminal. */
export const TICKET_WORKFLOW: WorkflowDefinition<undefined> = {
  entity: 'ticket',
  path: 'tickets',
  table: TICKETS,
  states: TICKET_STATUSES,
  initial: 'NEW',
  loadFacts: noFacts,
  transitions: [
    ...['OPEN', 'INPROGRESS'].map((to) => ({
      from: ['NEW'],
      to,
      permission: 'tickets.update',
    })),
    // Among the working states, each to each other.
    ...WORKING_STATES.map((to) => ({
      from: WORKING_STATES.filter((from) => from !== to),
      to,
      permission: 'tickets.update',
    })),
    {
      from: WORKING_STATES,
      to: 'RESOLVED',
      permission: 'tickets.resolve',
      commentsRequired: true,
    },
    {
      from: ['NEW', ...WORKING_STATES],
      to: 'CANCELLED',
      permission: 'tickets.cancel',
      commentsRequired: true,
    },
    { from: ['RESOLVED'], to: 'CLOSED', permission: 'tickets.close', commentsRequired: true },
    { from: ['RESOLVED'], to: 'OPEN', name: 'reopen', permission: 'tickets.reopen' },
  ],
};
