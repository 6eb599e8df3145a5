import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { DB } from '../db/tables.js';
import { withTenantTx } from '../db/transactions.js';
import type { TenantLimits } from './http-hooks.js';

/** How long a process keeps a tenant's plan and overrides before reading them again. */
const TENANT_LIMITS_TTL_MS = 60_000;

/** A tenant's plan and overrides (migration 0005), read at most once a minute per process. */
export function tenantLimitsReader(db: Kysely<DB>): (tenantId: string) => Promise<TenantLimits> {
  const cache = new LRUCache<string, TenantLimits>({ max: 10_000, ttl: TENANT_LIMITS_TTL_MS });
  return async (tenantId) => {
    const known = cache.get(tenantId);
    if (known) return known;
    const { rows } = await withTenantTx({ db, tenantId }, (tx) =>
      sql<{ plan: TenantLimits['plan']; rate_limits: Record<string, number> }>`
        select plan, rate_limits from tenants where id = ${tenantId}`.execute(tx),
    );
    const limits: TenantLimits = {
      plan: rows[0]?.plan ?? 'standard',
      overrides: rows[0]?.rate_limits ?? {},
    };
    cache.set(tenantId, limits);
    return limits;
  };
}
