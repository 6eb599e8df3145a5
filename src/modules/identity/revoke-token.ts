import { recordAudit } from '../../platform/audit/record-audit.js';
import { ensurePermission } from '../../platform/auth/permissions.js';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { notFound } from '../../platform/errors.js';
import { findToken } from './repository.js';

/** Revokes at once: the next request with the token is 401. Revoking twice is harmless. */
export async function revokeToken(ctx: RequestContext, id: string): Promise<void> {
  const token = await withTenantTx(ctx, (tx) => findToken(tx, ctx.tenantId, id));
  if (!token) throw notFound('Token');
  if (token.person_id !== ctx.actorId) {
    await ensurePermission(ctx, 'tenant.admin', "revoke another person's token");
  }
  await withTenantTx(ctx, async (tx) => {
    const revoked = await tx
      .updateTable('api_tokens')
      .set({ revoked_at: new Date() })
      .where('tenant_id', '=', ctx.tenantId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!revoked) return;
    await recordAudit(tx, ctx, {
      eventType: 'DELETED',
      entityType: 'api_token',
      entityId: id,
      metadata: { name: token.name, person_id: token.person_id },
    });
  });
}
