import { recordService, type RecordService } from '../../platform/records/record-service.js';
import { createTicket } from './create-ticket.js';
import type { CreateTicketInput, UpdateTicketInput } from './schemas.js';
import { TICKETS, TICKETS_LIST, ticketReferences } from './ticket-table.js';

const generic = recordService<CreateTicketInput, UpdateTicketInput>({
  table: TICKETS,
  list: TICKETS_LIST,
  references: ticketReferences,
});

export const tickets: RecordService<CreateTicketInput, UpdateTicketInput> = {
  ...generic,
  create: createTicket,
};
