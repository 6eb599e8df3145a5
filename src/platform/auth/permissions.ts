import type { RequestContext } from '../context.js';
import { recordAudit, type RiskLevel } from '../audit/record-audit.js';
import { withTenantTx } from '../db/transactions.js';
import { AppError } from '../errors.js';

/** Denials by the same actor in the last day that raise the risk level of the next one. */
const RISK_THRESHOLDS: readonly [number, RiskLevel][] = [
  [20, 'CRITICAL'],
  [5, 'HIGH'],
  [1, 'MEDIUM'],
];

/**
 * Throws 403 PERMISSION_DENIED unless the caller holds `permission`. A denial is audited in a
 * transaction of its own, since the request itself is about to fail.
 */
export async function ensurePermission(
  ctx: RequestContext,
  permission: string,
  actionAttempted: string,
): Promise<void> {
  if (!ctx.permissions.has(permission)) await denyPermission(ctx, permission, actionAttempted);
}

/**
 * Audits a denial in a transaction of its own (never call it inside an open one: the request is
 * about to fail and roll back), then throws 403 PERMISSION_DENIED.
 */
export async function denyPermission(
  ctx: RequestContext,
  permission: string,
  actionAttempted: string,
  entity?: Denial['entity'],
): Promise<never> {
  await auditDenials(ctx, [{ permission, actionAttempted, entity }]);
  throw new AppError('PERMISSION_DENIED', { details: { required_permission: permission } });
}

export interface Denial {
  permission: string;
  actionAttempted: string;
  /** The kind of record the action was aimed at, and the record when it was one. */
  entity?: { type: string; id: string | null } | undefined;
}

/**
 * Writes a PERMISSION_DENIED entry for each denial, in a transaction of its own. The actor's
 * denials of the last day set the risk level.
 */
export async function auditDenials(ctx: RequestContext, denials: readonly Denial[]): Promise<void> {
  if (denials.length === 0) return;
  await withTenantTx(ctx, async (tx) => {
    const { recent } = await tx
      .selectFrom('audit_entries')
      .select((eb) => eb.fn.countAll<number>().as('recent'))
      .where('tenant_id', '=', ctx.tenantId)
      .where('actor_id', '=', ctx.actorId)
      .where('event_type', '=', 'PERMISSION_DENIED')
      .where('created_at', '>', new Date(Date.now() - 24 * 3600 * 1000))
      .executeTakeFirstOrThrow();
    const riskLevel = RISK_THRESHOLDS.find(([atLeast]) => recent >= atLeast)?.[1] ?? 'LOW';
    await recordAudit(
      tx,
      ctx,
      ...denials.map((denial) => ({
        eventType: 'PERMISSION_DENIED' as const,
        entityType: denial.entity?.type ?? 'permission',
        entityId: denial.entity?.id ?? null,
        securityFlags: riskLevel === 'LOW' ? [] : ['REPEATED_DENIALS'],
        permissionDenial: {
          requiredPermission: denial.permission,
          actionAttempted: denial.actionAttempted,
          riskLevel,
        },
      })),
    );
  });
}
