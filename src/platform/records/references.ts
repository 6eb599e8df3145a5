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
 *
 * Each found record stays key-share-locked until the transaction ends, as a foreign key would
 * lock it: edits of it go on, but a delete (which locks FOR UPDATE, see `lockForDeletion`) either
 * finishes first, and the reference fails here, or waits and then finds the new record using it.
 */
export async function assertReferencesExist(
  tx: Tx,
  tenantId: string,
  references: readonly Reference[],
): Promise<void> {
  const named = references.filter((ref): ref is Reference & { id: string } => Boolean(ref.id));
  if (named.length === 0) return;
  // A locking clause is not allowed beside UNION, but is inside each WITH query.
  const lookups = named.map((ref, i) => ({ ref, name: sql.id(`ref_${i}`) }));
  const { rows } = await sql<{ field: string }>`
    with ${sql.join(
      lookups.map(
        ({ ref, name }) => sql`${name} as (
          select ${ref.field}::text as field from ${sql.table(ref.table)}
          where tenant_id = ${tenantId} and id = ${ref.id} and deleted_at is null
          for key share)`,
      ),
    )}
    ${sql.join(
      lookups.map(({ name }) => sql`select field from ${name}`),
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

/** Where records of one table are referenced from: `{table: 'work_orders', column: 'site_id'}`. */
export interface Referrer {
  table: string;
  column: string;
}

/** Locks a record against new references (their KEY SHARE waits) before it is deleted. */
export async function lockForDeletion(
  tx: Tx,
  table: string,
  tenantId: string,
  id: string,
): Promise<void> {
  await sql`select 1 from ${sql.table(table)} where tenant_id = ${tenantId} and id = ${id}
    for update`.execute(tx);
}

/**
 * 409 CONFLICT while live records still refer to this one (a site with assets, a vendor on work
 * orders). Run it after `lockForDeletion`, so no new reference slips in.
 */
export async function assertNotReferenced(
  tx: Tx,
  tenantId: string,
  id: string,
  entityName: string,
  referrers: readonly Referrer[],
): Promise<void> {
  if (referrers.length === 0) return;
  const { rows } = await sql<{ referrer: string; n: number }>`
    ${sql.join(
      referrers.map(
        (referrer) => sql`
          select ${referrer.table}::text as referrer, count(*)::int as n
          from ${sql.table(referrer.table)}
          where tenant_id = ${tenantId} and ${sql.ref(referrer.column)} = ${id}
            and deleted_at is null`,
      ),
      sql` union all `,
    )}`.execute(tx);
  const inUse = rows.filter((row) => row.n > 0);
  if (inUse.length === 0) return;
  const counts = Object.fromEntries(inUse.map((row) => [row.referrer, row.n]));
  throw new AppError('CONFLICT', {
    message: `${entityName} is still used by ${inUse
      .map((row) => `${row.n} ${row.referrer.replaceAll('_', ' ')}`)
      .join(', ')}: delete or move those first`,
    details: { referenced_by: counts },
  });
}
