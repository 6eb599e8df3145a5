import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { ALL_PERMISSIONS } from '../src/modules/identity/index.js';
import { generatePlatformAdminToken } from '../src/platform/auth/tokens.js';
import type { RequestContext } from '../src/platform/context.js';
import { openDatabase, type Database } from '../src/platform/db/database.js';
import { migrateToLatest } from '../src/platform/db/migrate.js';
import { openRedis } from '../src/platform/redis-client.js';
import { loadCursorKey } from '../src/platform/db/secrets.js';
import { runHttpLoad, type HttpPlan } from './http-load.js';
import { httpClient, runLoad, type HttpClient, type LoadResult } from './load.js';

const WARM_UP_SECONDS = 1;

/** What every scenario gets: a served app on the configured database, and a tenant of its own. */
export interface BenchEnv {
  database: Database;
  app: FastifyInstance;
  baseUrl: string;
  /** The bench tenant's admin: a client for single calls, its token, and an in-process context. */
  http: HttpClient;
  token: string;
  ctx: RequestContext;
  clients: number;
  seconds: number;
  /** `clients` callers over HTTP from a worker thread, after a warm-up (and `afterWarmUp`). */
  measureHttp(plan: HttpPlan, afterWarmUp?: () => Promise<unknown>): Promise<LoadResult>;
  /** `clients` callers of `call` in this process, after a warm-up. */
  measureInProcess(call: (client: number, i: number) => Promise<unknown>): Promise<LoadResult>;
  close(): Promise<void>;
}

const number = (value: string | undefined, fallback: number) =>
  value && Number.isFinite(Number(value)) ? Number(value) : fallback;

/**
 * PostgreSQL (and Redis) when DATABASE_URL (REDIS_URL) is set, else an embedded database in
 * memory, so a bench never touches the data folder of a running server.
 */
export async function openBenchEnv(): Promise<BenchEnv> {
  // The bulk limit (10 a minute per person) would refuse the bulk scenario's requests; the
  // limiter still runs, as it does in production.
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', BULK_RATE_LIMIT: String(1e9) });
  const clients = number(process.env.BENCH_CLIENTS, 50);
  const seconds = number(process.env.BENCH_SECONDS, 5);
  const database = config.databaseUrl
    ? await openDatabase({ kind: 'postgres', url: config.databaseUrl, poolSize: clients + 10 })
    : await openDatabase({ kind: 'memory' });
  await migrateToLatest(database.db);
  const platformAdminToken = generatePlatformAdminToken();
  const server = await serve(config, database, platformAdminToken);
  const { app, baseUrl } = server;

  const admin = httpClient(baseUrl, platformAdminToken, 1);
  const created = await admin.send('POST', '/api/v1/tenants', {
    name: 'Bench Facilities',
    slug: `bench-${randomUUID().slice(0, 8)}`,
    admin: { login: 'bench', name: 'Bench Admin' },
  });
  admin.close();
  if (created.status !== 201)
    throw new Error(`creating the bench tenant: ${JSON.stringify(created.body)}`);
  const {
    tenant,
    admin: person,
    token,
  } = created.body as {
    tenant: { id: string; retention_days: number };
    admin: { id: string };
    token: { id: string; token: string };
  };
  const ctx: RequestContext = {
    db: database.db,
    tenantId: tenant.id,
    tenant: {
      retentionDays: tenant.retention_days,
      requireIfMatch: false,
      piiKeys: [],
      plan: 'standard',
      rateLimits: {},
    },
    actorId: person.id,
    tokenId: token.id,
    tokenExpiresAt: null,
    permissions: new Set(ALL_PERMISSIONS),
    correlationId: randomUUID(),
    ipAddress: '127.0.0.1',
    userAgent: 'facilityflow bench',
    cursorKey: await loadCursorKey(database.db),
  };
  const http = httpClient(baseUrl, token.token, clients);
  return {
    database,
    app,
    baseUrl,
    http,
    token: token.token,
    ctx,
    clients,
    seconds,
    async measureHttp(plan, afterWarmUp) {
      const target = { baseUrl, token: token.token, clients };
      await runHttpLoad(target, WARM_UP_SECONDS, plan);
      await afterWarmUp?.();
      return runHttpLoad(target, seconds, plan);
    },
    async measureInProcess(call) {
      const counted = async (client: number, i: number) => {
        await call(client, i);
        return true;
      };
      await runLoad(clients, WARM_UP_SECONDS, counted);
      return runLoad(clients, seconds, counted);
    },
    close: async () => {
      http.close();
      await server.close();
      await database.close();
    },
  };
}

/**
 * The environment of a `serve` process the bench starts (PostgreSQL only): the bench's database
 * and Redis, with keys under a prefix of its own, and request handling only (the sealing job would
 * seal the scenario's entries meanwhile).
 */
export function serverProcessEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: process.env.DATABASE_URL!,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    REDIS_KEY_PREFIX: `bench:${randomUUID()}:`,
    LOG_LEVEL: 'warn',
    JOBS_ENABLED: 'false',
    ...overrides,
  };
}

/**
 * A second server beside the bench's own, on its database (or another pool on it), with the
 * environment changed by `overrides`: the same route with and without a feature, in one run.
 */
export async function serveAnother(
  env: BenchEnv,
  overrides: Record<string, string>,
  database: Database = env.database,
): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', ...overrides });
  return serve(config, database, undefined);
}

/** The app on `database`, listening on a port of the system's choice; `close` leaves the database open. */
async function serve(config: Config, database: Database, platformAdminToken: string | undefined) {
  const redis = openRedis(config.redisUrl, config.redisKeyPrefix);
  const app = await buildApp({ config, database, redis, platformAdminToken });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    baseUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: async () => {
      await app.close();
      redis?.disconnect();
    },
  };
}
