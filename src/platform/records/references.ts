import { sql } from 'kysely';
import type { Tx } from '../db/transactions.js';
import { AppError } from '../errors.js';

/** A field of the input that names another record: `{field: 'site_id', table: 'sites', id}`. */
export interface Reference {
  field: string;
  table: string;
  id: string | null | undefined;
}

/**
 * Every named record must be a live record of the caller's tenant (another tenant's id is as
 * unknown as a made-up one): one query for all of them, 400 naming each field that fails.
 */
export async function assertReferencesExist(
  tx: Tx,
  tenantId: string,
  references: readonly Reference[],
): Promise<void> {
  const named = references.filter((ref): ref is Reference & { id: string } => Boolean(ref.id));
  if (named.length === 0) return;
  const { rows } = await sql<{ field: string }>`
    ${sql.join(
      named.map(
        (ref) => sql`
          select ${ref.field}::text as field from ${sql.table(ref.table)}
          where tenant_id = ${tenantId} and id = ${ref.id} and deleted_at is null`,
      ),
      sql` union all `,
    )}`.execute(tx);
  const found = new Set(rows.map((row) => row.field));
  const missing = named.filter((ref) => !found.has(ref.field)).map((ref) => ref.field);
  if (missing.length > 0) {
    throw new AppError('VALIDATION_ERROR', {
      message: `No such record for ${missing.join(', ')}`,
      details: {
        errors: missing.map((field) => ({ path: `/${field}`, message: 'no such record' })),
      },
    });
  }
}
