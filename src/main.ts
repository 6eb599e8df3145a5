import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { loadOrStoreDemoTokens, seedDemo, type DemoTokens } from './demo/seed-demo.js';
import { auditJobs } from './modules/audit/index.js';
import { resolvePlatformAdminToken } from './platform/admin-token.js';
import { openDatabase, type Database } from './platform/db/database.js';
import { migrateToLatest } from './platform/db/migrate.js';
import { startJobs, type Jobs } from './platform/jobs/start-jobs.js';
import { openRedis } from './platform/redis-client.js';

/** Opens the configured database: PostgreSQL when DATABASE_URL is set, else the embedded one. */
export function openConfiguredDatabase(config: Config): Promise<Database> {
  return openDatabase(
    config.databaseUrl
      ? { kind: 'postgres', url: config.databaseUrl }
      : { kind: 'embedded', dataDir: resolve(config.dataDir) },
  );
}

const SHUTDOWN_TIMEOUT_MS = 25_000;

/** `facilityflow serve`: migrate, seed the demo tenant on a new embedded database, listen. */
export async function serve(config: Config): Promise<void> {
  const database = await openConfiguredDatabase(config);
  const embeddedDir = database.kind === 'embedded' ? resolve(config.dataDir) : null;
  await migrateToLatest(database.db);
  const admin = resolvePlatformAdminToken(config.adminToken, embeddedDir);
  const demoTokens = embeddedDir
    ? loadOrStoreDemoTokens(embeddedDir, await seedDemo(database.db))
    : null;
  const redis = openRedis(config.redisUrl, config.redisKeyPrefix);

  const app = await buildApp({ config, database, redis, platformAdminToken: admin.token });
  redis?.on('error', (error: Error) => app.log.warn({ err: error }, 'redis connection error'));
  // A promise, so that a signal while the jobs are starting waits for them and then stops them.
  let jobs: Promise<Jobs | null> = Promise.resolve(null);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) {
      app.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    setTimeout(() => {
      app.log.error('shutdown took too long: exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    try {
      // Stops accepting connections and waits for the requests in flight.
      await app.close();
      // Before the database closes: a run in progress finishes first.
      await (await jobs.catch(() => null))?.stop();
    } finally {
      await database.close();
      redis?.disconnect();
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  if (config.jobs.enabled && !closing) {
    jobs = startJobs({
      db: database.db,
      log: app.log,
      registry: app.metrics,
      jobs: auditJobs(database.db, {
        purgeCron: config.jobs.auditPurgeCron,
        sealCron: config.jobs.auditSealCron,
      }),
    });
    // Failing to start stops the process, unless a signal is already stopping it.
    await jobs.catch((error: unknown) => {
      if (!closing) throw error;
    });
  }
  if (closing) return;
  // The port bound, which PORT=0 leaves to the system.
  const { port } = app.server.address() as AddressInfo;
  printBanner(port, config, database.kind, admin, demoTokens);
}

function printBanner(
  port: number,
  config: Config,
  kind: Database['kind'],
  admin: { token: string | undefined; generated: boolean },
  demoTokens: DemoTokens | null,
): void {
  const base = `http://localhost:${port}`;
  const lines = [
    '',
    `facilityflow is listening on ${base} (${kind} database)`,
    `  API docs:  ${base}/docs`,
  ];
  if (admin.token && kind === 'embedded' && !config.adminToken) {
    lines.push(`  Platform admin token${admin.generated ? ' (new)' : ''}: ${admin.token}`);
  } else if (!admin.token) {
    lines.push('  No platform admin token: set FACILITYFLOW_ADMIN_TOKEN to create tenants.');
  }
  if (demoTokens) {
    lines.push('  Demo tenant "Acme Facilities", a token per role:');
    for (const [role, { login, token }] of Object.entries(demoTokens)) {
      lines.push(`    ${role.padEnd(11)} ${login.padEnd(15)} ${token}`);
    }
    lines.push(
      `  Try: curl -H "Authorization: Bearer ${demoTokens.admin?.token}" ${base}/api/v1/me`,
    );
  }
  console.log(lines.join('\n') + '\n');
}
