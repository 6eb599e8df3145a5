import { recordAudit } from '../../platform/audit/record-audit.js';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { updateVersioned } from '../../platform/db/versioned-update.js';
import { AppError } from '../../platform/errors.js';
import type { ExpectedVersion } from '../../platform/optimistic-lock.js';

/** Soft delete: the person disappears from reads and every token of theirs is revoked. */
export async function deletePerson(
  ctx: RequestContext,
  id: string,
  expected: ExpectedVersion | null,
): Promise<void> {
  if (id === ctx.actorId) {
    throw new AppError('BUSINESS_RULE_VIOLATION', {
      message: 'You cannot delete yourself',
      details: { rule: 'CANNOT_DELETE_SELF' },
    });
  }
  await withTenantTx(ctx, async (tx) => {
    const now = new Date();
    const { before } = await updateVersioned(tx, {
      table: 'people',
      tenantId: ctx.tenantId,
      id,
      expected,
      set: { deleted_at: now, is_active: false },
      actorId: ctx.actorId,
      entityName: 'Person',
      softDeleted: true,
    });
    const revoked = await tx
      .updateTable('api_tokens')
      .set({ revoked_at: now })
      .where('tenant_id', '=', ctx.tenantId)
      .where('person_id', '=', id)
      .where('revoked_at', 'is', null)
      .returning(['id', 'name'])
      .execute();
    await recordAudit(
      tx,
      ctx,
      {
        eventType: 'DELETED',
        entityType: 'person',
        entityId: id,
        metadata: { login: before.login },
      },
      ...revoked.map((token) => ({
        eventType: 'DELETED' as const,
        entityType: 'api_token',
        entityId: token.id,
        metadata: { name: token.name, person_id: id, reason: 'person deleted' },
      })),
    );
  });
}
