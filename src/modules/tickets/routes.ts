import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { recordRoutes } from '../../platform/http/record-routes.js';
import { Priority } from '../../platform/schemas.js';
import {
  bulkAssign,
  bulkMove,
  bulkRoutes,
  bulkSetField,
  bulkTransition,
  transitionRoutes,
} from '../../workflow/index.js';
import { TICKET_WORKFLOW } from './machine.js';
import { CreateTicketBody, ListTicketsQuery, TicketSchema, UpdateTicketBody } from './schemas.js';
import { tickets } from './ticket-records.js';
import { TICKETS } from './ticket-table.js';

const ticketRecordRoutes = recordRoutes({
  path: '/tickets',
  tag: 'tickets',
  schemas: {
    record: TicketSchema,
    create: CreateTicketBody,
    update: UpdateTicketBody,
    listQuery: ListTicketsQuery,
  },
  permissions: {
    view: 'tickets.view',
    create: 'tickets.create',
    update: 'tickets.update',
    delete: 'tickets.delete',
  },
  service: tickets,
});

export const ticketRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(ticketRecordRoutes);
  await app.register(
    transitionRoutes(TICKET_WORKFLOW, {
      tag: 'tickets',
      record: TicketSchema,
      viewPermission: 'tickets.view',
    }),
  );
  await app.register(
    bulkRoutes(TICKET_WORKFLOW, {
      tag: 'tickets',
      endpoints: [
        bulkTransition(TICKET_WORKFLOW.states),
        bulkMove('resolve', 'RESOLVED'),
        bulkMove('close', 'CLOSED'),
        bulkAssign(TICKETS, 'tickets.update'),
        bulkSetField('update-priority', 'priority', Priority, 'tickets.update'),
      ],
    }),
  );
};
