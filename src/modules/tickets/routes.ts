import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { recordRoutes } from '../../platform/http/record-routes.js';
import { transitionRoutes } from '../../workflow/index.js';
import { TICKET_WORKFLOW } from './machine.js';
import { CreateTicketBody, ListTicketsQuery, TicketSchema, UpdateTicketBody } from './schemas.js';
import { tickets } from './ticket-records.js';

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
};
