import { sql } from 'kysely';
import type { Tx } from '../db/transactions.js';

/** How a kind of record is numbered per tenant: `WO-` and 6 digits gives WO-000001. */
export interface NumberFormat {
  counter: string;
  prefix: string;
  digits: number;
}

/**
 * The tenant's next number of a kind, taken in the creating transaction: the counter row stays
 * locked until it commits, so numbers are never handed out twice, and a rolled-back creation
 * leaves no gap.
 */
export async function nextNumber(tx: Tx, tenantId: string, format: NumberFormat): Promise<string> {
  const { rows } = await sql<{ value: number }>`
    insert into tenant_counters (tenant_id, name, value) values (${tenantId}, ${format.counter}, 1)
    on conflict (tenant_id, name) do update set value = tenant_counters.value + 1
    returning value`.execute(tx);
  return `${format.prefix}${String(rows[0]!.value).padStart(format.digits, '0')}`;
}
