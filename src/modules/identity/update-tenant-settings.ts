import { sql } from 'kysely';
import { changedFields, recordAudit } from '../../platform/audit/record-audit.js';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { AppError } from '../../platform/errors.js';
import { versionConflict, type ExpectedVersion } from '../../platform/optimistic-lock.js';
import { assertSomethingToUpdate } from './input-rules.js';
import { findTenant } from './repository.js';
import type { TenantRecord, UpdateTenantSettingsInput } from './schemas.js';

/**
 * The caller's tenant's own settings (tenant admin): they apply from the next request on, since
 * every request loads them with its token. One conditional statement, like every versioned write.
 */
export async function updateTenantSettings(
  ctx: RequestContext,
  input: UpdateTenantSettingsInput,
  expected: ExpectedVersion | null,
): Promise<TenantRecord> {
  const { version: _version, ...fields } = input;
  assertSomethingToUpdate(input);
  const assignments = Object.entries(fields).map(
    ([column, value]) => sql`${sql.ref(column)} = ${value}`,
  );
  return withTenantTx(ctx, async (tx) => {
    const versionGuard = expected ? sql`and version = ${expected.version}` : sql``;
    const { rows } = await sql<{ before: TenantRecord; after: TenantRecord }>`
      with current_row as (
        select * from tenants where id = ${ctx.tenantId} ${versionGuard} for no key update
      )
      update tenants as target
      set ${sql.join([...assignments, sql`version = current_row.version + 1`, sql`updated_at = now()`])}
      from current_row where target.id = current_row.id
      returning to_jsonb(current_row) as before, to_jsonb(target) as after`.execute(tx);
    const changed = rows[0];
    if (!changed) {
      const { version } = await findTenant(tx, ctx.tenantId);
      if (expected) throw versionConflict(expected, version);
      throw new AppError('INTERNAL_ERROR');
    }
    await recordAudit(tx, ctx, {
      eventType: 'UPDATED',
      entityType: 'tenant',
      entityId: ctx.tenantId,
      changes: changedFields(
        changed.before,
        changed.after,
        Object.keys(fields) as (keyof TenantRecord)[],
      ),
      metadata: { version: changed.after.version },
    });
    return findTenant(tx, ctx.tenantId);
  });
}
