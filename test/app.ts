import { randomUUID } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, openPglite, type Database } from '../src/platform/db/database.js';
import { migrateToLatest } from '../src/platform/db/migrate.js';
import { generatePlatformAdminToken } from '../src/platform/auth/tokens.js';
import { openRedis } from '../src/platform/redis-client.js';

export const onPostgres = Boolean(process.env.DATABASE_URL);
/** Redis-only tests (shared rate-limit counters, cross-process invalidation) run when it is set. */
export const onRedis = Boolean(process.env.REDIS_URL);

export interface TestAppOptions {
  /** Environment on top of the defaults (limits, weights). */
  env?: NodeJS.ProcessEnv;
  /** Run on another test app's database (two server processes on one database). */
  databaseOf?: TestApp;
  /** Redis keys of this app start with it; two apps given the same one share their Redis data. */
  redisPrefix?: string;
  /** Another Redis (an unreachable one) instead of REDIS_URL. */
  redisUrl?: string;
  /** Connections of a PostgreSQL pool of its own (60 by default, for the concurrency tests). */
  poolSize?: number;
}

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  platformAdminToken: string;
  close(): Promise<void>;
}

let template: Promise<PGlite> | undefined;

/** A migrated embedded database, made once per worker and cloned for each caller (~0.3 s). */
async function embeddedClone(): Promise<PGlite> {
  template ??= (async () => {
    const pglite = await openPglite();
    const database = await openDatabase({ kind: 'memory', pglite });
    await migrateToLatest(database.db);
    await database.db.destroy();
    return pglite;
  })();
  // clone() is typed as the interface, but returns a PGlite.
  return (await (await template).clone()) as PGlite;
}

/**
 * The real app on a real database: a fresh embedded clone, or the shared PostgreSQL database of
 * the run (tests there stay apart by creating their own tenants).
 */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const shared = options.databaseOf?.database;
  const database =
    shared ??
    (onPostgres
      ? await openDatabase({
          kind: 'postgres',
          url: process.env.DATABASE_URL!,
          poolSize: options.poolSize ?? 60,
        })
      : await openDatabase({ kind: 'memory', pglite: await embeddedClone() }));
  // Bulk tests send many requests as one person: the limit of 10 a minute is tested on its own.
  const config = loadConfig({ LOG_LEVEL: 'silent', BULK_RATE_LIMIT: '100000', ...options.env });
  const platformAdminToken = options.databaseOf?.platformAdminToken ?? generatePlatformAdminToken();
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL;
  // Test files run in parallel on one Redis: each app's keys are its own unless it shares.
  const keyPrefix = `test:${options.redisPrefix ?? randomUUID()}:`;
  const redis = openRedis(redisUrl, keyPrefix);
  redis?.on('error', () => {});
  const app = await buildApp({ config, database, redis, platformAdminToken });
  await app.ready();
  return {
    app,
    database,
    platformAdminToken,
    close: async () => {
      await app.close();
      if (!shared) await database.close();
      if (redis) await removeKeys(redis, keyPrefix);
      redis?.disconnect();
    },
  };
}

/**
 * Deletes what a test app left in Redis (generation counters outlive it by minutes), through a
 * client whose keyPrefix is `keyPrefix`.
 */
export async function removeKeys(redis: Redis, keyPrefix: string): Promise<void> {
  try {
    // SCAN patterns are not prefixed by ioredis; the keys it returns carry the prefix, which
    // UNLINK would add again.
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys.map((key) => key.slice(keyPrefix.length)));
    } while (cursor !== '0');
  } catch {
    // An unreachable Redis (the fallback tests) holds nothing of ours.
  }
}

export type Body = Record<string, unknown>;

/** `app.inject` with a bearer token and a parsed JSON body. */
export async function call(
  t: TestApp,
  token: string | null,
  options: InjectOptions,
): Promise<LightMyRequestResponse & { data: Body }> {
  const response = await t.app.inject({
    ...options,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers },
  });
  let data: Body = {};
  try {
    data = response.json();
  } catch {
    // not JSON (204, metrics text)
  }
  return Object.assign(response, { data });
}
