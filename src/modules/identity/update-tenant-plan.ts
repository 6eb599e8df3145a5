import { sql, type Kysely } from 'kysely';
import { changedFields, recordAudit } from '../../platform/audit/record-audit.js';
import type { DB } from '../../platform/db/tables.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { notFound } from '../../platform/errors.js';
import { versionConflict, type ExpectedVersion } from '../../platform/optimistic-lock.js';
import type { PlatformRequest } from './create-tenant.js';
import { findTenant } from './repository.js';
import type { TenantRecord, UpdateTenantPlanInput } from './schemas.js';

/**
 * A tenant's plan and rate-limit overrides (platform admin): a tenant cannot raise its own limits.
 * Audited in the tenant's trail. Requests carry them with their principal, so the change applies
 * at once on every process, with the principal cache's invalidation (ADR 0007).
 */
export async function updateTenantPlan(
  db: Kysely<DB>,
  tenantId: string,
  input: UpdateTenantPlanInput,
  expected: ExpectedVersion | null,
  request: PlatformRequest,
): Promise<TenantRecord> {
  const { version: _version, ...fields } = input;
  return withTenantTx({ db, tenantId }, async (tx) => {
    const before = await tx
      .selectFrom('tenants')
      .select(['version', 'plan', 'rate_limits', 'retention_days', 'pii_keys'])
      .where('id', '=', tenantId)
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!before) throw notFound('Tenant');
    if (expected && before.version !== expected.version) {
      throw versionConflict(expected, before.version);
    }
    await tx
      .updateTable('tenants')
      .set({
        ...(fields.plan ? { plan: fields.plan } : {}),
        ...(fields.rate_limits ? { rate_limits: JSON.stringify(fields.rate_limits) } : {}),
        version: sql`version + 1`,
        updated_at: sql`now()`,
      })
      .where('id', '=', tenantId)
      .execute();
    const after = await findTenant(tx, tenantId);
    await recordAudit(
      tx,
      {
        tenantId,
        tenant: { retentionDays: before.retention_days, piiKeys: before.pii_keys },
        actorId: null,
        ...request,
      },
      {
        eventType: 'UPDATED',
        entityType: 'tenant',
        entityId: tenantId,
        changes: changedFields(before, after, ['plan', 'rate_limits']),
        metadata: { actor: 'platform-admin', version: after.version },
      },
    );
    return after;
  });
}
