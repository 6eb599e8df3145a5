import { changedFields, recordAudit } from '../../platform/audit/record-audit.js';
import { ensurePermission } from '../../platform/auth/permissions.js';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { assertReferencesExist } from '../../platform/records/references.js';
import { updateVersioned } from '../../platform/db/versioned-update.js';
import type { ExpectedVersion } from '../../platform/optimistic-lock.js';
import { assertSomethingToUpdate } from './input-rules.js';
import { findPerson, replacePersonRoles } from './repository.js';
import type { PersonRecord, UpdatePersonInput } from './schemas.js';

const AUDITED_FIELDS = ['login', 'name', 'email', 'phone', 'site_id', 'is_active'] as const;

export async function updatePerson(
  ctx: RequestContext,
  id: string,
  input: UpdatePersonInput,
  expected: ExpectedVersion | null,
): Promise<PersonRecord> {
  const { version: _version, role_ids: roleIds, ...fields } = input;
  assertSomethingToUpdate(input);
  // Whoever assigns roles hands out their permissions: that is the tenant admin's call alone.
  if (roleIds) await ensurePermission(ctx, 'tenant.admin', "change a person's roles");
  return withTenantTx(ctx, async (tx) => {
    await assertReferencesExist(tx, ctx.tenantId, [
      { field: 'site_id', table: 'sites', id: fields.site_id },
    ]);
    const { before, after } = await updateVersioned(tx, {
      table: 'people',
      tenantId: ctx.tenantId,
      id,
      expected,
      set: fields,
      actorId: ctx.actorId,
      entityName: 'Person',
      softDeleted: true,
    });
    const changes = changedFields(before, after, AUDITED_FIELDS);
    if (roleIds) {
      const newRoleIds = [...roleIds].sort();
      const oldRoleIds = await replacePersonRoles(tx, ctx.tenantId, id, newRoleIds);
      Object.assign(
        changes,
        changedFields({ role_ids: oldRoleIds }, { role_ids: newRoleIds }, ['role_ids']),
      );
    }
    await recordAudit(tx, ctx, {
      eventType: 'UPDATED',
      entityType: 'person',
      entityId: id,
      changes,
      metadata: { version: after.version },
    });
    return (await findPerson(tx, ctx.tenantId, id))!;
  });
}
