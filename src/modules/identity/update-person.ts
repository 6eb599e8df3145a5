import { changedFields, recordAudit } from '../../platform/audit/record-audit.js';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { checkVersion, type ExpectedVersion } from '../../platform/optimistic-lock.js';
import { findPerson, replacePersonRoles } from './repository.js';
import type { PersonRecord, UpdatePersonInput } from './schemas.js';

const AUDITED_FIELDS = [
  'login',
  'name',
  'email',
  'phone',
  'site_id',
  'role_ids',
  'is_active',
] as const;

export async function updatePerson(
  ctx: RequestContext,
  id: string,
  input: UpdatePersonInput,
  expected: ExpectedVersion | null,
): Promise<PersonRecord> {
  const { version: _version, role_ids: roleIds, ...fields } = input;
  return withTenantTx(ctx, async (tx) => {
    const before = checkVersion(
      await findPerson(tx, ctx.tenantId, id, { forUpdate: true }),
      expected,
      'Person',
    );
    await tx
      .updateTable('people')
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
    if (roleIds) await replacePersonRoles(tx, ctx.tenantId, id, [...roleIds].sort());
    const after = (await findPerson(tx, ctx.tenantId, id))!;
    await recordAudit(tx, ctx, {
      eventType: 'UPDATED',
      entityType: 'person',
      entityId: id,
      changes: changedFields(before, after, AUDITED_FIELDS),
      metadata: { version: after.version },
    });
    return after;
  });
}
