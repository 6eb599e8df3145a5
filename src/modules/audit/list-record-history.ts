import { sql } from 'kysely';
import type { RequestContext } from '../../platform/context.js';
import { cursorScope } from '../../platform/cursor.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { AppError } from '../../platform/errors.js';
import type { Page } from '../../platform/pagination.js';
import { pageOfEntries } from './audit-entry-query.js';
import type { HistoryPath } from './history-paths.js';
import type { AuditEntry, HistoryQuery } from './schemas.js';

/**
 * One page of a record's audit entries, newest first, with its children's (a work order's line
 * items). 404 unless the record exists in the caller's tenant; a soft-deleted one still has
 * its history.
 */
export function listRecordHistory(
  ctx: RequestContext,
  target: HistoryPath,
  id: string,
  query: HistoryQuery,
): Promise<Page<AuditEntry>> {
  const { page, page_size: pageSize, cursor } = query;
  return withTenantTx(ctx, async (tx) => {
    const { rows } = await sql`
      select 1 from ${sql.table(target.table)}
      where tenant_id = ${ctx.tenantId} and id = ${id}`.execute(tx);
    if (rows.length === 0) {
      throw new AppError('ENTITY_NOT_FOUND', { message: `No ${target.entityType} ${id}` });
    }
    const own = sql`(e.entity_type = ${target.entityType} and e.entity_id = ${id})`;
    const { children } = target;
    // The children's ids as an array computed once, so each branch is an index condition.
    const ofChildren = children
      ? sql`or (e.entity_type = ${children.entityType} and e.entity_id = any(array(
          select c.id from ${sql.table(children.table)} c
          where c.tenant_id = ${ctx.tenantId} and ${sql.ref(`c.${children.parentColumn}`)} = ${id})))`
      : sql``;
    return pageOfEntries(
      tx,
      [sql`e.tenant_id = ${ctx.tenantId}`, sql`(${own} ${ofChildren})`],
      { page, page_size: pageSize, cursor },
      ctx.cursorKey,
      cursorScope({ tenant: ctx.tenantId, history: target.entityType, id, pageSize }),
    );
  });
}
