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
  return runAndAnnounce(scope.db, async (tx) => {
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
  return runAndAnnounce(db, work);
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

async function runAndAnnounce<T>(db: Kysely<DB>, work: (tx: Tx) => Promise<T>): Promise<T> {
  let transaction: Tx | undefined;
  const result = await db.transaction().execute((tx) => {
    transaction = tx;
    return work(tx);
  });
  const changes = transaction && pending.get(transaction);
  const subscribers = listeners.get(db);
  // Announced only once committed: a listener told earlier could let a concurrent reader cache
  // rows from before the commit as if they were current.
  // A listener reports its own failures: the transaction has committed whatever they are.
  if (changes && subscribers) {
    await Promise.allSettled([...subscribers].map((listener) => listener(changes)));
  }
  return result;
}
