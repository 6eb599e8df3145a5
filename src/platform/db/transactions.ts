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
  return inTransaction(scope.db, begin, work);
}

/**
 * PLATFORM PATH, BYPASSES ROW-LEVEL SECURITY: runs as the connecting (owner) role and sees every
 * tenant. Only for work that is not on behalf of one tenant: seeding, cross-tenant jobs, tests.
 */
export function withPlatformTxBypassingRls<T>(
  db: Kysely<DB>,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  return inTransaction(db, CompiledQuery.raw('begin'), work);
}

/** What a committed transaction changed: per tenant, the entity types it wrote. */
export type CommittedChanges = ReadonlyMap<string, ReadonlySet<string>>;
export type CommitListener = (changes: CommittedChanges) => Promise<void>;

const listeners = new WeakMap<Kysely<DB>, Set<CommitListener>>();
const pending = new WeakMap<Tx, Map<string, Set<string>>>();

/**
 * Calls `listener` after every transaction on `db` that noted a change commits (never after a
 * rollback), before the transaction's caller goes on. Returns the unsubscribe function.
 */
export function onCommit(db: Kysely<DB>, listener: CommitListener): () => void {
  const set = listeners.get(db) ?? new Set();
  listeners.set(db, set.add(listener));
  return () => set.delete(listener);
}

/** Notes, for the listeners, that `tx` wrote records of `entityType` for `tenantId`. */
export function noteChange(tx: Tx, tenantId: string, entityType: string): void {
  const changes = pending.get(tx) ?? new Map<string, Set<string>>();
  pending.set(tx, changes);
  changes.set(tenantId, (changes.get(tenantId) ?? new Set()).add(entityType));
}

/**
 * Runs `work` in a transaction on a connection of `db`: commits its result, rolls back its error
 * (or a failed BEGIN), then tells the commit listeners. A connection the rollback could not end
 * is discarded by the pool (`preparingPool` never returns one that is still in a transaction).
 */
async function inTransaction<T>(
  db: Kysely<DB>,
  begin: CompiledQuery,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  let changes: Map<string, Set<string>> | undefined;
  const result = await db.connection().execute(async (connection) => {
    let value: T;
    try {
      await connection.executeQuery(begin);
      value = await work(connection);
    } catch (error) {
      await connection.executeQuery(CompiledQuery.raw('rollback')).catch(() => {});
      throw error;
    }
    const { rows } = await connection.executeQuery<{ command?: string }>(
      CompiledQuery.raw('commit'),
    );
    // PostgreSQL answers COMMIT with ROLLBACK when a statement failed and `work` swallowed it.
    if (rows[0]?.command === 'ROLLBACK') {
      throw new Error('The transaction was rolled back: one of its statements had failed');
    }
    changes = pending.get(connection);
    return value;
  });
  const subscribers = listeners.get(db);
  // Announced only once committed: a listener told earlier could let a concurrent reader cache
  // rows from before the commit as if they were current.
  // A listener reports its own failures: the transaction has committed whatever they are.
  if (changes && subscribers) {
    await Promise.allSettled([...subscribers].map((listener) => listener(changes!)));
  }
  return result;
}
