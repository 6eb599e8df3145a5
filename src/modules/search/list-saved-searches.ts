import { sql } from 'kysely';
import type { RequestContext } from '../../platform/context.js';
import { cursorScope } from '../../platform/cursor.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { keysetPage, type Page, type PageRequest } from '../../platform/pagination.js';
import { SAVED_SEARCH_COLUMNS, type SavedSearch } from './saved-search.js';

/** The caller's saved searches, newest first, paged like every list. */
export function listSavedSearches(
  ctx: RequestContext,
  request: PageRequest,
): Promise<Page<SavedSearch>> {
  return withTenantTx(ctx, async (tx) => {
    const page = await keysetPage(tx, {
      from: sql`from saved_searches r where r.tenant_id = ${ctx.tenantId} and r.person_id = ${ctx.actorId}`,
      select: SAVED_SEARCH_COLUMNS,
      id: sql.ref('r.id'),
      sort: { expression: sql.ref('r.created_at'), type: 'timestamptz' },
      descending: true,
      request,
      cursorKey: ctx.cursorKey,
      scope: cursorScope({
        tenant: ctx.tenantId,
        list: 'saved_searches',
        person: ctx.actorId,
        pageSize: request.page_size,
      }),
    });
    return page as unknown as Page<SavedSearch>;
  });
}
