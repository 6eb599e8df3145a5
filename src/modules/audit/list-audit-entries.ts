import type { RequestContext } from '../../platform/context.js';
import { cursorScope } from '../../platform/cursor.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import type { Page } from '../../platform/pagination.js';
import { filterConditions, givenFilters, pageOfEntries } from './audit-entry-query.js';
import type { AuditEntry, AuditListQuery } from './schemas.js';

/** One page of the tenant's audit entries matching the filters, newest first (SPEC §7). */
export function listAuditEntries(
  ctx: RequestContext,
  query: AuditListQuery,
): Promise<Page<AuditEntry>> {
  const { page, page_size: pageSize, cursor, ...filters } = query;
  const conditions = filterConditions(ctx.tenantId, filters);
  const scope = cursorScope({
    tenant: ctx.tenantId,
    list: 'audit_entries',
    filters: givenFilters(filters),
    pageSize,
  });
  return withTenantTx(ctx, (tx) =>
    pageOfEntries(tx, conditions, { page, page_size: pageSize, cursor }, ctx.cursorKey, scope),
  );
}
