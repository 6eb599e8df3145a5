import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { notFound } from '../../platform/errors.js';
import { findPerson, findTenant } from './repository.js';

export async function getMe(ctx: RequestContext) {
  return withTenantTx(ctx, async (tx) => {
    const person = await findPerson(tx, ctx.tenantId, ctx.actorId);
    if (!person) throw notFound('Person');
    const tenant = await findTenant(tx, ctx.tenantId);
    const roles =
      person.role_ids.length === 0
        ? []
        : await tx
            .selectFrom('roles')
            .select(['id', 'name'])
            .where('tenant_id', '=', ctx.tenantId)
            .where('id', 'in', person.role_ids)
            .orderBy('name')
            .execute();
    return { person, tenant, roles, permissions: [...ctx.permissions].sort() };
  });
}
