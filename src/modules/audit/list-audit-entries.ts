import type { RequestContext } from '../../platform/context.js';
import { cursorScope } from '../../platform/cursor.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { keysetPage, type Page } from '../../platform/pagination.js';
import {
  BY_CREATED_AT,
  ENTRY_COLUMNS,
  ENTRY_ID,
  entriesFrom,
  filterConditions,
  givenFilters,
} from './audit-entry-query.js';
import type { AuditEntry, AuditListQuery } from './schemas.js';

/** One page of the tenant's audit entries matching the filters, newest first (SPEC §7). */
export function listAuditEntries(
  ctx: RequestContext,
  query: AuditListQuery,
): Promise<Page<AuditEntry>> {
  const { page, page_size: pageSize, cursor, ...filters } = query;
  const conditions = filterConditions(ctx.tenantId, filters);
  return withTenantTx(ctx, async (tx) => {
    const result = await keysetPage(tx, {
      from: entriesFrom(conditions),
      select: ENTRY_COLUMNS,
      id: ENTRY_ID,
      sort: BY_CREATED_AT,
      descending: true,
      request: { page, page_size: pageSize, cursor },
      cursorKey: ctx.cursorKey,
      scope: cursorScope({
        tenant: ctx.tenantId,
        list: 'audit_entries',
        filters: givenFilters(filters),
        pageSize,
      }),
    });
    return result as Page<AuditEntry>;
  });
}
