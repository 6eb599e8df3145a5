import { creationChanges, recordAudit } from '../../platform/audit/record-audit.js';
import { ensurePermission } from '../../platform/auth/permissions.js';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { assertReferencesExist } from '../../platform/records/references.js';
import { findPerson, replacePersonRoles } from './repository.js';
import type { CreatePersonInput, PersonRecord } from './schemas.js';

export async function createPerson(
  ctx: RequestContext,
  input: CreatePersonInput,
): Promise<PersonRecord> {
  if (input.role_ids?.length)
    await ensurePermission(ctx, 'tenant.admin', "assign a person's roles");
  return withTenantTx(ctx, async (tx) => {
    await assertReferencesExist(tx, ctx.tenantId, [
      { field: 'site_id', table: 'sites', id: input.site_id },
    ]);
    const { id } = await tx
      .insertInto('people')
      .values({
        tenant_id: ctx.tenantId,
        login: input.login,
        name: input.name,
        email: input.email ?? null,
        phone: input.phone ?? null,
        site_id: input.site_id ?? null,
        is_active: input.is_active ?? true,
        created_by: ctx.actorId,
        updated_by: ctx.actorId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await replacePersonRoles(tx, ctx.tenantId, id, input.role_ids ?? []);
    const person = (await findPerson(tx, ctx.tenantId, id))!;
    await recordAudit(tx, ctx, {
      eventType: 'CREATED',
      entityType: 'person',
      entityId: id,
      changes: creationChanges(input),
    });
    return person;
  });
}
