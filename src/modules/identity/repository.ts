import { sql } from 'kysely';
import type { Tx } from '../../platform/db/transactions.js';
import type { PersonRecord, RoleRecord, TenantRecord, TokenRecord } from './schemas.js';

const PERSON_COLUMNS = [
  'p.id',
  'p.tenant_id',
  'p.version',
  'p.created_at',
  'p.updated_at',
  'p.created_by',
  'p.updated_by',
  'p.login',
  'p.name',
  'p.email',
  'p.phone',
  'p.site_id',
  'p.is_active',
] as const;

const roleIdsOfPerson = sql<string[]>`array(
  select role_id from person_roles pr
  where pr.tenant_id = p.tenant_id and pr.person_id = p.id order by role_id
)`;

/** People with their role ids; deleted people are never returned. */
export function selectPeople(tx: Tx) {
  return tx
    .selectFrom('people as p')
    .select([...PERSON_COLUMNS, roleIdsOfPerson.as('role_ids')])
    .where('p.deleted_at', 'is', null);
}

export async function findPerson(
  tx: Tx,
  tenantId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<PersonRecord | undefined> {
  let query = selectPeople(tx).where('p.tenant_id', '=', tenantId).where('p.id', '=', id);
  if (options.forUpdate) query = query.forUpdate('p');
  return (await query.executeTakeFirst()) as PersonRecord | undefined;
}

/** Sets a person's roles; returns the role ids they held before, sorted. */
export async function replacePersonRoles(
  tx: Tx,
  tenantId: string,
  personId: string,
  roleIds: readonly string[],
): Promise<string[]> {
  const removed = await tx
    .deleteFrom('person_roles')
    .where('tenant_id', '=', tenantId)
    .where('person_id', '=', personId)
    .returning('role_id')
    .execute();
  if (roleIds.length > 0) {
    await tx
      .insertInto('person_roles')
      .values(
        roleIds.map((roleId) => ({ tenant_id: tenantId, person_id: personId, role_id: roleId })),
      )
      .execute();
  }
  return removed.map((row) => row.role_id).sort();
}

export function selectRoles(tx: Tx) {
  return tx
    .selectFrom('roles')
    .select([
      'id',
      'tenant_id',
      'version',
      'created_at',
      'updated_at',
      'created_by',
      'updated_by',
      'name',
      'description',
      'permissions',
    ]);
}

export async function findRole(
  tx: Tx,
  tenantId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<RoleRecord | undefined> {
  let query = selectRoles(tx).where('tenant_id', '=', tenantId).where('id', '=', id);
  if (options.forUpdate) query = query.forUpdate();
  return (await query.executeTakeFirst()) as RoleRecord | undefined;
}

export const TOKEN_COLUMNS = [
  'id',
  'person_id',
  'name',
  'expires_at',
  'revoked_at',
  'created_at',
  'created_by',
] as const;

export async function findToken(
  tx: Tx,
  tenantId: string,
  id: string,
): Promise<TokenRecord | undefined> {
  return (await tx
    .selectFrom('api_tokens')
    .select(TOKEN_COLUMNS)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst()) as TokenRecord | undefined;
}

export async function findTenant(tx: Tx, tenantId: string): Promise<TenantRecord> {
  return (await tx
    .selectFrom('tenants')
    .select([
      'id',
      'name',
      'slug',
      'retention_days',
      'payroll_grace_days',
      'require_if_match',
      'legal_hold',
      'pii_keys',
      'plan',
      'rate_limits',
      'version',
      'created_at',
      'updated_at',
    ])
    .where('id', '=', tenantId)
    .executeTakeFirstOrThrow()) as TenantRecord;
}
