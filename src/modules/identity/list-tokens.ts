import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { TOKEN_COLUMNS } from './repository.js';
import type { TokenRecord } from './schemas.js';

/** The caller's own tokens; a tenant admin sees everyone's. Secrets are never shown again. */
export async function listTokens(ctx: RequestContext): Promise<TokenRecord[]> {
  return withTenantTx(ctx, (tx) => {
    let query = tx
      .selectFrom('api_tokens')
      .select(TOKEN_COLUMNS)
      .where('tenant_id', '=', ctx.tenantId);
    if (!ctx.permissions.has('tenant.admin')) query = query.where('person_id', '=', ctx.actorId);
    return query.orderBy('created_at', 'desc').execute();
  });
}
