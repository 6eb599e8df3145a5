import { sql, type Kysely } from 'kysely';
import type { TenantSettings } from '../context.js';
import type { DB } from '../db/tables.js';
import { withTenantTx } from '../db/transactions.js';
import { hashToken, isSameToken, tenantOfToken } from './tokens.js';

export type Principal =
  | { kind: 'platform-admin' }
  | {
      kind: 'person';
      tenantId: string;
      tenant: TenantSettings;
      personId: string;
      tokenId: string;
      tokenExpiresAt: Date | null;
      permissions: ReadonlySet<string>;
    };

/**
 * Resolves a bearer token to who is calling, or null when the token is unknown, revoked, expired
 * or belongs to a person who is deleted or inactive.
 */
export async function authenticate(
  db: Kysely<DB>,
  token: string,
  platformAdminToken: string | undefined,
): Promise<Principal | null> {
  if (platformAdminToken && isSameToken(token, platformAdminToken)) {
    return { kind: 'platform-admin' };
  }
  const tenantId = tenantOfToken(token);
  if (!tenantId) return null;
  const row = await withTenantTx({ db, tenantId }, (tx) =>
    tx
      .selectFrom('api_tokens as t')
      .innerJoin('people as p', (join) =>
        join.onRef('p.tenant_id', '=', 't.tenant_id').onRef('p.id', '=', 't.person_id'),
      )
      .innerJoin('tenants as tn', 'tn.id', 't.tenant_id')
      .select([
        't.id as token_id',
        't.expires_at',
        'p.id as person_id',
        'tn.retention_days',
        'tn.require_if_match',
        'tn.pii_keys',
        sql<string[]>`array(
          select distinct permission from person_roles pr
          join roles r on r.tenant_id = pr.tenant_id and r.id = pr.role_id
          cross join unnest(r.permissions) as permission
          where pr.tenant_id = p.tenant_id and pr.person_id = p.id
        )`.as('permissions'),
      ])
      .where('t.tenant_id', '=', tenantId)
      .where('t.token_hash', '=', hashToken(token))
      .where('t.revoked_at', 'is', null)
      .where((eb) =>
        eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', sql<Date>`now()`)]),
      )
      .where('p.deleted_at', 'is', null)
      .where('p.is_active', '=', true)
      .executeTakeFirst(),
  );
  if (!row) return null;
  return {
    kind: 'person',
    tenantId,
    tenant: {
      retentionDays: row.retention_days,
      requireIfMatch: row.require_if_match,
      piiKeys: row.pii_keys,
    },
    personId: row.person_id,
    tokenId: row.token_id,
    tokenExpiresAt: row.expires_at ? new Date(row.expires_at) : null,
    permissions: new Set(row.permissions),
  };
}
