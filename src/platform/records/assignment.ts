import { ensurePermission } from '../auth/permissions.js';
import type { RequestContext } from '../context.js';
import type { RecordTable } from './record-table.js';

/**
 * Naming who does the work is the area's `assign` permission on top of create or update: on
 * creation when an assignee is given, on update whenever the field is sent (checked on the body
 * alone, before the transaction, so even the current assignee counts).
 */
export async function authorizeAssignment(
  ctx: RequestContext,
  table: RecordTable,
  input: object,
  change: 'create' | 'update',
): Promise<void> {
  if (!table.assignee) return;
  const value = (input as Record<string, unknown>)[table.assignee.field];
  const entity = table.entityName.toLowerCase();
  if (change === 'create' && value) {
    await ensurePermission(ctx, table.assignee.permission, `assign a new ${entity}`);
  } else if (change === 'update' && value !== undefined) {
    await ensurePermission(ctx, table.assignee.permission, `change a ${entity}'s assignee`);
  }
}
