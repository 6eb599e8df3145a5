import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { listenOnPostgres, type ChannelListener } from './notifications.js';
import { preparingPool } from './prepared-statements.js';
import { lockDataDir } from './lock-file.js';
import type { DB } from './tables.js';

// Return int8 (counts) and numeric as numbers: every value we count or sum fits in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));
// A calendar date stays the text it is: a Date would shift it through the process's time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

/**
 * How long a query waits for a free connection. Bounded so that a transaction opened inside
 * another (which on PGlite's single connection can never get one) fails instead of hanging.
 */
const CONNECTION_TIMEOUT_MS = 10_000;

/** An idle connection dropped by the server: the pool replaces it; without a listener Node exits. */
function reportIdleConnectionError(error: Error): void {
  console.error(`database: idle connection lost (${error.message}); the pool will reconnect`);
}

export interface Database {
  readonly db: Kysely<DB>;
  readonly kind: 'embedded' | 'postgres';
  /** Hears NOTIFY on `channel` until the returned function is called. */
  listen(channel: string, listener: ChannelListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Where the database lives: a PostgreSQL URL, a data folder, or memory (tests). */
export type DatabaseLocation =
  | { kind: 'postgres'; url: string; poolSize?: number }
  | { kind: 'embedded'; dataDir: string }
  | { kind: 'memory'; pglite?: PGlite };

export async function openDatabase(location: DatabaseLocation): Promise<Database> {
  if (location.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: location.url,
      max: location.poolSize ?? 20,
      connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
    });
    pool.on('error', reportIdleConnectionError);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
    return {
      db,
      kind: 'postgres',
      listen: (channel, listener) => listenOnPostgres(location.url, channel, listener),
      close: () => db.destroy(),
    };
  }

  let pglite: PGlite;
  let release = () => {};
  if (location.kind === 'embedded') {
    mkdirSync(location.dataDir, { recursive: true });
    const lock = lockDataDir(location.dataDir);
    release = lock.release;
    try {
      pglite = await openPglite(join(location.dataDir, 'pgdata'));
    } catch (error) {
      release();
      throw error;
    }
  } else {
    pglite = location.pglite ?? (await openPglite());
  }
  // PGlite runs one query at a time, so the pool holds its single connection.
  const pool = new pg.Pool({
    ...createPgConfig(pglite),
    max: 1,
    connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
  } as pg.PoolConfig);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
  return {
    db,
    kind: 'embedded',
    // PGlite calls back as the notifying transaction commits, before its COMMIT resolves.
    async listen(channel, listener) {
      const unlisten = await pglite.listen(channel, (payload) => listener.message(payload));
      listener.listening(true);
      return async () => {
        listener.listening(false);
        await unlisten();
      };
    },
    close: async () => {
      await db.destroy();
      await pglite.close();
      release();
    },
  };
}

/** pg_trgm must be passed on every open, not only when the extension is created. */
export function openPglite(dataDir?: string): Promise<PGlite> {
  return PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { pg_trgm } });
}
