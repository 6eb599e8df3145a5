import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { nextNumber } from '../../platform/records/numbers.js';
import { assertReferencesExist } from '../../platform/records/references.js';
import { insertRecord } from '../../platform/records/write-records.js';
import type { CreateTicketInput, TicketRecord } from './schemas.js';
import { TICKETS, ticketReferences } from './ticket-table.js';
import { authorizeAssignment } from '../../platform/records/assignment.js';

/** A NEW ticket numbered T00001 onwards per tenant, requested by the caller unless it says who. */
export async function createTicket(
  ctx: RequestContext,
  input: CreateTicketInput,
): Promise<TicketRecord> {
  await authorizeAssignment(ctx, TICKETS, input, 'create');
  return withTenantTx(ctx, async (tx) => {
    const values = {
      ...input,
      requester_id: input.requester_id ?? ctx.actorId,
      priority: input.priority ?? 'MEDIUM',
    };
    await assertReferencesExist(tx, ctx.tenantId, ticketReferences(values));
    const number = await nextNumber(tx, ctx.tenantId, {
      counter: 'ticket',
      prefix: 'T',
      digits: 5,
    });
    return (await insertRecord(tx, ctx, TICKETS, { number, ...values })) as TicketRecord;
  });
}
