export { ticketRoutes } from './routes.js';
export { tickets } from './ticket-records.js';
export { TICKETS, ticketReferences } from './ticket-table.js';
export {
  TICKET_STATUSES,
  type CreateTicketInput,
  type TicketRecord,
  type UpdateTicketInput,
} from './schemas.js';
export { TICKET_WORKFLOW } from './machine.js';
