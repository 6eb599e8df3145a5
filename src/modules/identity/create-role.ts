import { creationChanges, recordAudit } from '../../platform/audit/record-audit.js';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { assertKnownPermissions } from './permissions.js';
import { findRole } from './repository.js';
import type { CreateRoleInput, RoleRecord } from './schemas.js';

export async function createRole(ctx: RequestContext, input: CreateRoleInput): Promise<RoleRecord> {
  assertKnownPermissions(input.permissions);
  return withTenantTx(ctx, async (tx) => {
    const { id } = await tx
      .insertInto('roles')
      .values({
        tenant_id: ctx.tenantId,
        name: input.name,
        description: input.description ?? null,
        permissions: [...input.permissions].sort(),
        created_by: ctx.actorId,
        updated_by: ctx.actorId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(tx, ctx, {
      eventType: 'CREATED',
      entityType: 'role',
      entityId: id,
      changes: creationChanges(input),
    });
    return (await findRole(tx, ctx.tenantId, id))!;
  });
}
