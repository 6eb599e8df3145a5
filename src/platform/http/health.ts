import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { Database } from '../db/database.js';

type Check = 'ok' | 'down' | 'not configured';

/** Liveness (the process answers) and readiness (its database and Redis answer). */
export function registerHealthRoutes(
  app: FastifyInstance,
  deps: { database: Database; redis: Redis | null },
): void {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const checks: Record<string, Check> = {
      database: await probe(() => sql`select 1`.execute(deps.database.db)),
      redis: deps.redis ? await probe(() => deps.redis!.ping()) : 'not configured',
    };
    const ready = !Object.values(checks).includes('down');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
}

const PROBE_TIMEOUT_MS = 2000;

async function probe(check: () => Promise<unknown>): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}
