import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { creationChanges as created, recordAudit } from '../../platform/audit/record-audit.js';
import { issueToken } from '../../platform/auth/tokens.js';
import type { AuditSource } from '../../platform/context.js';
import type { DB } from '../../platform/db/tables.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { ADMIN_ROLE, ALL_PERMISSIONS } from './permissions.js';
import { TOKEN_COLUMNS, findPerson, findTenant } from './repository.js';
import type { CreateTenantInput, IssuedToken, PersonRecord, TenantRecord } from './schemas.js';

export interface CreatedTenant {
  tenant: TenantRecord;
  admin: PersonRecord;
  token: IssuedToken;
}

/** Where a platform action comes from: there is no person behind the platform admin token. */
export interface PlatformRequest {
  correlationId: string;
  ipAddress: string | null;
  userAgent: string | null;
}

/**
 * Creates a tenant with an `admin` role holding every permission, its first person as that admin,
 * and a token for them. The tenant id is chosen here so the whole setup runs inside the new
 * tenant's row-level-security scope.
 */
export async function createTenant(
  db: Kysely<DB>,
  input: CreateTenantInput,
  request: PlatformRequest,
): Promise<CreatedTenant> {
  const tenantId = randomUUID();
  return withTenantTx({ db, tenantId }, async (tx) => {
    await tx
      .insertInto('tenants')
      .values({ id: tenantId, name: input.name, slug: input.slug })
      .execute();
    const tenant = await findTenant(tx, tenantId);
    const source: AuditSource = {
      ...request,
      tenantId,
      actorId: null,
      tenant: { retentionDays: tenant.retention_days, piiKeys: [] },
    };
    const role = await tx
      .insertInto('roles')
      .values({
        tenant_id: tenantId,
        name: ADMIN_ROLE,
        description: 'Every permission',
        permissions: [...ALL_PERMISSIONS],
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const person = await tx
      .insertInto('people')
      .values({
        tenant_id: tenantId,
        login: input.admin.login,
        name: input.admin.name,
        email: input.admin.email ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('person_roles')
      .values({ tenant_id: tenantId, person_id: person.id, role_id: role.id })
      .execute();
    const { token, hash } = issueToken(tenantId);
    const tokenRow = await tx
      .insertInto('api_tokens')
      .values({
        tenant_id: tenantId,
        person_id: person.id,
        name: 'initial admin token',
        token_hash: hash,
      })
      .returning(TOKEN_COLUMNS)
      .executeTakeFirstOrThrow();
    const admin = (await findPerson(tx, tenantId, person.id))!;

    const metadata = { actor: 'platform-admin' };
    await recordAudit(
      tx,
      source,
      {
        eventType: 'CREATED',
        entityType: 'tenant',
        entityId: tenantId,
        metadata,
        changes: created(input),
      },
      {
        eventType: 'CREATED',
        entityType: 'role',
        entityId: role.id,
        metadata,
        changes: created({ name: ADMIN_ROLE }),
      },
      {
        eventType: 'CREATED',
        entityType: 'person',
        entityId: person.id,
        metadata,
        changes: created(input.admin),
      },
      {
        eventType: 'CREATED',
        entityType: 'api_token',
        entityId: tokenRow.id,
        metadata,
        changes: created({ name: tokenRow.name, person_id: person.id }),
      },
    );
    return { tenant, admin, token: { ...tokenRow, token } as IssuedToken };
  });
}
