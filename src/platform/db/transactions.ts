import { CompiledQuery, type Kysely } from 'kysely';
import type { DB } from './tables.js';

/**
 * A connection inside an open transaction: use cases hand it down to everything they call. It
 * cannot open another transaction or connection: a nested BEGIN would end the tenant's scope.
 */
export type Tx = Omit<Kysely<DB>, 'transaction' | 'startTransaction' | 'connection' | 'destroy'>;

/** The database role that row-level security applies to (created by the first migration). */
const APP_ROLE = 'facilityflow_app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TenantScope {
  readonly db: Kysely<DB>;
  readonly tenantId: string;
}

/**
 * Runs `work` in one transaction that can see and write only `scope.tenantId`'s rows: the tenant is
 * set for the transaction and the role switched to one that row-level security applies to.
 */
export function withTenantTx<T>(scope: TenantScope, work: (tx: Tx) => Promise<T>): Promise<T> {
  // The id is written into the SQL text below, so it must be exactly a uuid.
  if (!UUID.test(scope.tenantId)) throw new Error('A tenant id must be a uuid');
  // BEGIN and the tenant scope in one round trip: a query without parameters goes over the
  // simple protocol, which takes several statements. (Kysely's transaction() sends BEGIN alone.)
  const begin = CompiledQuery.raw(
    `begin; select set_config('app.tenant_id', '${scope.tenantId}', true), set_config('role', '${APP_ROLE}', true)`,
  );
  return scope.db.connection().execute((connection) => inTransaction(connection, begin, work));
}

/**
 * PLATFORM PATH, BYPASSES ROW-LEVEL SECURITY: runs as the connecting (owner) role and sees every
 * tenant. Only for work that is not on behalf of one tenant: seeding, cross-tenant jobs, tests.
 */
export function withPlatformTxBypassingRls<T>(
  db: Kysely<DB>,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  return db
    .connection()
    .execute((connection) => inTransaction(connection, CompiledQuery.raw('begin'), work));
}

/**
 * Runs `work` in a transaction on `connection`: commits its result, rolls back its error (or a
 * failed BEGIN). A connection the rollback could not end is discarded by the pool
 * (`preparingPool` never returns one that is still in a transaction).
 */
async function inTransaction<T>(
  connection: Tx,
  begin: CompiledQuery,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    await connection.executeQuery(begin);
    result = await work(connection);
  } catch (error) {
    await connection.executeQuery(CompiledQuery.raw('rollback')).catch(() => {});
    throw error;
  }
  const { rows } = await connection.executeQuery<{ command?: string }>(CompiledQuery.raw('commit'));
  // PostgreSQL answers COMMIT with ROLLBACK when a statement failed and `work` swallowed the error.
  if (rows[0]?.command === 'ROLLBACK') {
    throw new Error('The transaction was rolled back: one of its statements had failed');
  }
  return result;
}
