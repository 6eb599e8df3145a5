import { recordRoutes } from '../../platform/http/record-routes.js';
import { CreateTicketBody, ListTicketsQuery, TicketSchema, UpdateTicketBody } from './schemas.js';
import { tickets } from './ticket-records.js';

export const ticketRoutes = recordRoutes({
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
