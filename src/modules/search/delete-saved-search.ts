import { sql } from 'kysely';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { notFound } from '../../platform/errors.js';

/** Deletes one of the caller's saved searches; another person's is not found. */
export async function deleteSavedSearch(ctx: RequestContext, id: string): Promise<void> {
  const result = await withTenantTx(ctx, (tx) =>
    sql`delete from saved_searches
        where tenant_id = ${ctx.tenantId} and person_id = ${ctx.actorId} and id = ${id}`.execute(
      tx,
    ),
  );
  if (!result.numAffectedRows) throw notFound('Saved search');
}
