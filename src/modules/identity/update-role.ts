import { changedFields, recordAudit } from '../../platform/audit/record-audit.js';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { updateVersioned } from '../../platform/db/versioned-update.js';
import { AppError } from '../../platform/errors.js';
import type { ExpectedVersion } from '../../platform/optimistic-lock.js';
import { assertSomethingToUpdate } from './input-rules.js';
import { ADMIN_ROLE, assertKnownPermissions } from './permissions.js';
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
  assertSomethingToUpdate(input);
  if (fields.permissions) {
    assertKnownPermissions(fields.permissions);
    fields.permissions = [...fields.permissions].sort();
  }
  return withTenantTx(ctx, async (tx) => {
    const { before, after } = await updateVersioned(tx, {
      table: 'roles',
      tenantId: ctx.tenantId,
      id,
      expected,
      set: fields,
      actorId: ctx.actorId,
      entityName: 'Role',
    });
    // The tenant's own admin role must stay whole, or the tenant could lock itself out.
    if (before.name === ADMIN_ROLE && (after.name !== ADMIN_ROLE || fields.permissions)) {
      throw new AppError('BUSINESS_RULE_VIOLATION', {
        message: 'The admin role keeps its name and every permission',
        details: { rule: 'ADMIN_ROLE_LOCKED' },
      });
    }
    await recordAudit(tx, ctx, {
      eventType: 'UPDATED',
      entityType: 'role',
      entityId: id,
      changes: changedFields(before, after, AUDITED_FIELDS),
      metadata: { version: after.version },
    });
    return (await findRole(tx, ctx.tenantId, id))!;
  });
}
