import { sql, type Kysely } from 'kysely';
import type { TenantSettings } from '../context.js';
import type { DB } from '../db/tables.js';
import type { PrincipalCache } from './principal-cache.js';
import { hashToken, isSameToken, tenantOfToken } from './tokens.js';

export interface PersonPrincipal {
  kind: 'person';
  tenantId: string;
  tenant: TenantSettings;
  personId: string;
  tokenId: string;
  tokenExpiresAt: Date | null;
  permissions: ReadonlySet<string>;
}

export type Principal = { kind: 'platform-admin' } | PersonPrincipal;

interface TokenLookup {
  token_id: string;
  token_expires_at: Date | null;
  person_id: string;
  retention_days: number;
  require_if_match: boolean;
  pii_keys: string[];
  permissions: string[];
  plan: 'standard' | 'premium';
  rate_limits: Record<string, number>;
}

/**
 * Resolves a bearer token to who is calling, or null when the token is unknown, revoked, expired
 * or belongs to a person who is deleted or inactive.
 */
export async function authenticate(
  db: Kysely<DB>,
  token: string,
  platformAdminToken: string | undefined,
  cache?: PrincipalCache<PersonPrincipal>,
): Promise<Principal | null> {
  if (platformAdminToken && isSameToken(token, platformAdminToken)) {
    return { kind: 'platform-admin' };
  }
  const tenantId = tenantOfToken(token);
  if (!tenantId) return null;
  const tokenHash = hashToken(token);
  const cached = cache?.get(tokenHash);
  if (cached) return cached;
  const generation = cache?.generation(tenantId) ?? '';
  // Inside a transaction the function's tenant and role would outlive the lookup.
  if (db.isTransaction) throw new Error('authenticate runs outside any transaction');
  // One statement, in the tenant's RLS scope (see migrations/0003_token_lookup.ts).
  const { rows } = await sql<TokenLookup>`
    select * from authenticate_token(${tenantId}, ${tokenHash})`.execute(db);
  const row = rows[0];
  if (!row) return null;
  const principal: PersonPrincipal = {
    kind: 'person',
    tenantId,
    tenant: {
      retentionDays: row.retention_days,
      requireIfMatch: row.require_if_match,
      piiKeys: row.pii_keys,
      plan: row.plan,
      rateLimits: row.rate_limits,
    },
    personId: row.person_id,
    tokenId: row.token_id,
    tokenExpiresAt: row.token_expires_at,
    permissions: new Set(row.permissions),
  };
  cache?.set(tokenHash, principal, generation);
  return principal;
}
