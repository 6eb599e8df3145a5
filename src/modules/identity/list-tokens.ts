import { sql } from 'kysely';
import type { RequestContext } from '../../platform/context.js';
import { cursorScope } from '../../platform/cursor.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { keysetPage, type Page } from '../../platform/pagination.js';
import { sortByColumn } from '../../platform/records/filters.js';
import type { ListTokensFilter, TokenRecord } from './schemas.js';

const SORTS = {
  created_at: sortByColumn('created_at', 'timestamptz'),
  name: sortByColumn('name', 'text'),
  expires_at: sortByColumn('expires_at', 'timestamptz', true),
};

/** The caller's own tokens; a tenant admin sees everyone's. Secrets are never shown again. */
export function listTokens(
  ctx: RequestContext,
  filter: ListTokensFilter,
): Promise<Page<TokenRecord>> {
  const { sort = '-created_at', person_id: personId, ...page } = filter;
  const own = ctx.permissions.has('tenant.admin') ? personId : ctx.actorId;
  const descending = sort.startsWith('-');
  const key = (descending ? sort.slice(1) : sort) as keyof typeof SORTS;
  return withTenantTx(ctx, async (tx) => {
    const result = await keysetPage(tx, {
      from: sql`from api_tokens r where r.tenant_id = ${ctx.tenantId}
        ${own ? sql`and r.person_id = ${own}` : sql``}`,
      select: sql`r.id, r.person_id, r.name, r.expires_at, r.revoked_at, r.created_at, r.created_by`,
      id: sql.ref('r.id'),
      sort: SORTS[key],
      descending,
      request: page,
      cursorKey: ctx.cursorKey,
      scope: cursorScope({
        tenant: ctx.tenantId,
        list: 'api_tokens',
        sort,
        own,
        pageSize: page.page_size,
      }),
    });
    return result as Page<TokenRecord>;
  });
}
