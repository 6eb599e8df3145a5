import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from './tables.js';

export type Tx = Transaction<DB>;

/** The database role that row-level security applies to (created by the first migration). */
const APP_ROLE = 'facilityflow_app';

export interface TenantScope {
  readonly db: Kysely<DB>;
  readonly tenantId: string;
}

/**
 * Runs `work` in one transaction that can see and write only `scope.tenantId`'s rows: the tenant is
 * set for the transaction and the role switched to one that row-level security applies to.
 */
export function withTenantTx<T>(scope: TenantScope, work: (tx: Tx) => Promise<T>): Promise<T> {
  return scope.db.transaction().execute(async (tx) => {
    await sql`select set_config('app.tenant_id', ${scope.tenantId}, true), set_config('role', ${APP_ROLE}, true)`.execute(
      tx,
    );
    return work(tx);
  });
}

/**
 * PLATFORM PATH, BYPASSES ROW-LEVEL SECURITY: runs as the connecting (owner) role and sees every
 * tenant. Only for work that is not on behalf of one tenant: seeding, cross-tenant jobs, tests.
 */
export function withPlatformTxBypassingRls<T>(
  db: Kysely<DB>,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(work);
}
