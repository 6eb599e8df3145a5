import { creationChanges, recordAudit } from '../../platform/audit/record-audit.js';
import { ensurePermission } from '../../platform/auth/permissions.js';
import { issueToken } from '../../platform/auth/tokens.js';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { AppError, notFound } from '../../platform/errors.js';
import { TOKEN_COLUMNS, findPerson } from './repository.js';
import type { CreateTokenInput, IssuedToken } from './schemas.js';

/** Anyone may issue a token for themselves; issuing one for another person takes tenant.admin. */
export async function createToken(
  ctx: RequestContext,
  input: CreateTokenInput,
): Promise<IssuedToken> {
  if (input.person_id !== ctx.actorId) {
    await ensurePermission(ctx, 'tenant.admin', 'issue a token for another person');
  }
  const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
  if (expiresAt && expiresAt <= new Date()) {
    throw new AppError('VALIDATION_ERROR', { message: 'expires_at must be in the future' });
  }
  const outlivesCaller =
    ctx.tokenExpiresAt !== null && (expiresAt === null || expiresAt > ctx.tokenExpiresAt);
  if (outlivesCaller && !ctx.permissions.has('tenant.admin')) {
    throw new AppError('VALIDATION_ERROR', {
      message: 'A token cannot outlive the token that issues it',
      details: { max_expires_at: ctx.tokenExpiresAt!.toISOString() },
    });
  }
  return withTenantTx(ctx, async (tx) => {
    const person = await findPerson(tx, ctx.tenantId, input.person_id);
    if (!person) throw notFound('Person');
    if (!person.is_active) {
      throw new AppError('VALIDATION_ERROR', { message: 'The person is not active' });
    }
    const { token, hash } = issueToken(ctx.tenantId);
    const row = await tx
      .insertInto('api_tokens')
      .values({
        tenant_id: ctx.tenantId,
        person_id: person.id,
        name: input.name,
        token_hash: hash,
        expires_at: input.expires_at ?? null,
        created_by: ctx.actorId,
      })
      .returning(TOKEN_COLUMNS)
      .executeTakeFirstOrThrow();
    await recordAudit(tx, ctx, {
      eventType: 'CREATED',
      entityType: 'api_token',
      entityId: row.id,
      changes: creationChanges({
        name: row.name,
        person_id: row.person_id,
        expires_at: row.expires_at,
      }),
    });
    return { ...row, token };
  });
}
