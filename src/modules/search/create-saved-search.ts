import { sql } from 'kysely';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { normaliseQuery } from './normalise-query.js';
import type { SearchEntity } from './ranking.js';
import { SAVED_SEARCH_COLUMNS, type SavedSearch } from './saved-search.js';

export interface CreateSavedSearchInput {
  name: string;
  query: string;
  entities?: SearchEntity[] | undefined;
  filters?: Record<string, unknown> | undefined;
}

export async function createSavedSearch(
  ctx: RequestContext,
  input: CreateSavedSearchInput,
): Promise<SavedSearch> {
  const query = normaliseQuery(input.query);
  const { rows } = await withTenantTx(ctx, (tx) =>
    sql<SavedSearch>`
      insert into saved_searches as r (tenant_id, person_id, name, query, entities, filters)
      values (${ctx.tenantId}, ${ctx.actorId}, ${input.name}, ${query},
              ${input.entities ?? []}::text[], ${JSON.stringify(input.filters ?? {})}::jsonb)
      returning ${SAVED_SEARCH_COLUMNS}`.execute(tx),
  );
  return rows[0]!;
}
