import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { selectRoles } from './repository.js';
import type { RoleRecord } from './schemas.js';

/** A tenant has a handful of roles: they are listed whole, by name. */
export async function listRoles(ctx: RequestContext): Promise<RoleRecord[]> {
  return withTenantTx(ctx, (tx) =>
    selectRoles(tx).where('tenant_id', '=', ctx.tenantId).orderBy('name').execute(),
  );
}
