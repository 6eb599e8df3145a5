import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { nextNumber } from '../../platform/records/numbers.js';
import { assertReferencesExist } from '../../platform/records/references.js';
import { insertRecordRow } from '../../platform/records/write-records.js';
import { findWorkOrder, insertLineItems, WORK_ORDERS } from './repository.js';
import type { CreateWorkOrderInput, WorkOrderRecord } from './schemas.js';
import { validateSchedule, workOrderReferences } from './work-order-rules.js';
import { authorizeAssignment } from '../../platform/records/assignment.js';

/** A new DRAFT work order numbered WO-000001 onwards per tenant, with its line items (seq 1..n). */
export async function createWorkOrder(
  ctx: RequestContext,
  input: CreateWorkOrderInput,
): Promise<WorkOrderRecord> {
  validateSchedule(input);
  await authorizeAssignment(ctx, WORK_ORDERS, input, 'create');
  const { line_items: lineItems = [], ...fields } = input;
  return withTenantTx(ctx, async (tx) => {
    await assertReferencesExist(tx, ctx.tenantId, workOrderReferences(fields));
    const number = await nextNumber(tx, ctx.tenantId, {
      counter: 'work_order',
      prefix: 'WO-',
      digits: 6,
    });
    const id = await insertRecordRow(tx, ctx, WORK_ORDERS, {
      ...fields,
      number,
      priority: fields.priority ?? 'MEDIUM',
    });
    await insertLineItems(
      tx,
      ctx,
      id,
      lineItems.map((item, i) => ({ ...item, seq: i + 1 })),
    );
    return (await findWorkOrder(tx, ctx.tenantId, id))!;
  });
}
