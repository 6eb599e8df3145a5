import { changedFields, recordAudit } from '../../platform/audit/record-audit.js';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { checkVersion, type ExpectedVersion } from '../../platform/optimistic-lock.js';
import { assertKnownPermissions } from './permissions.js';
import { findRole } from './repository.js';
import type { RoleRecord, UpdateRoleInput } from './schemas.js';

const AUDITED_FIELDS = ['name', 'description', 'permissions'] as const;

export async function updateRole(
  ctx: RequestContext,
  id: string,
  input: UpdateRoleInput,
  expected: ExpectedVersion | null,
): Promise<RoleRecord> {
  const { version: _version, ...fields } = input;
  if (fields.permissions) {
    assertKnownPermissions(fields.permissions);
    fields.permissions = [...fields.permissions].sort();
  }
  return withTenantTx(ctx, async (tx) => {
    const before = checkVersion(
      await findRole(tx, ctx.tenantId, id, { forUpdate: true }),
      expected,
      'Role',
    );
    await tx
      .updateTable('roles')
      .set({
        ...fields,
        version: before.version + 1,
        updated_at: new Date(),
        updated_by: ctx.actorId,
      })
      .where('tenant_id', '=', ctx.tenantId)
      .where('id', '=', id)
      .where('version', '=', before.version)
      .executeTakeFirstOrThrow();
    const after = (await findRole(tx, ctx.tenantId, id))!;
    await recordAudit(tx, ctx, {
      eventType: 'UPDATED',
      entityType: 'role',
      entityId: id,
      changes: changedFields(before, after, AUDITED_FIELDS),
      metadata: { version: after.version },
    });
    return after;
  });
}
