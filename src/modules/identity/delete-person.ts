import { recordAudit } from '../../platform/audit/record-audit.js';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { checkVersion, type ExpectedVersion } from '../../platform/optimistic-lock.js';
import { findPerson } from './repository.js';

/** Soft delete: the person disappears from reads and every token of theirs is revoked. */
export async function deletePerson(
  ctx: RequestContext,
  id: string,
  expected: ExpectedVersion | null,
): Promise<void> {
  await withTenantTx(ctx, async (tx) => {
    const before = checkVersion(
      await findPerson(tx, ctx.tenantId, id, { forUpdate: true }),
      expected,
      'Person',
    );
    const now = new Date();
    await tx
      .updateTable('people')
      .set({
        deleted_at: now,
        is_active: false,
        version: before.version + 1,
        updated_at: now,
        updated_by: ctx.actorId,
      })
      .where('tenant_id', '=', ctx.tenantId)
      .where('id', '=', id)
      .where('version', '=', before.version)
      .execute();
    const revoked = await tx
      .updateTable('api_tokens')
      .set({ revoked_at: now })
      .where('tenant_id', '=', ctx.tenantId)
      .where('person_id', '=', id)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    await recordAudit(tx, ctx, {
      eventType: 'DELETED',
      entityType: 'person',
      entityId: id,
      metadata: { login: before.login, revoked_token_ids: revoked.map((token) => token.id) },
    });
  });
}
