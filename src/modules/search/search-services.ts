import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { Counter, type Registry } from 'prom-client';
import { memoryGenerations, redisGenerations } from '../../platform/cache/generations.js';
import { twoLevelCache } from '../../platform/cache/two-level-cache.js';
import type { DB } from '../../platform/db/tables.js';
import { onCommit } from '../../platform/db/transactions.js';
import type { RedisGuard } from '../../platform/redis-guard.js';
import type { WeightOverrides } from './ranking.js';
import { searchAnalyticsRecorder } from './search-analytics.js';
import { searchCache } from './search-cache.js';

export interface SearchSettings {
  cacheTtlSeconds: number;
  cacheEntries: number;
  weights: WeightOverrides;
}

/**
 * What search needs beyond a request: the two-level cache with its generations (invalidated
 * after every committed write on `db`), the analytics recorder, and their metrics. `close`
 * stops listening and writes the analytics still buffered.
 */
export function createSearchServices(options: {
  db: Kysely<DB>;
  redis: Redis | null;
  guard: RedisGuard;
  settings: SearchSettings;
  registry: Registry;
  log: FastifyBaseLogger;
}) {
  const { redis, guard, log } = options;
  const lookups = new Counter({
    name: 'search_cache_lookups_total',
    help: 'Search cache lookups by result (hit or miss)',
    labelNames: ['result'] as const,
    registers: [options.registry],
  });
  const failures = new Counter({
    name: 'search_cache_redis_failures_total',
    help: 'Search cache operations that Redis failed (the search went on without it)',
    registers: [options.registry],
  });
  let lastLogged = 0;
  const onRedisError = (error: unknown) => {
    failures.inc();
    // Once per 10 s: while Redis is down every search fails over, and the counter has the rest.
    if (Date.now() - lastLogged < 10_000) return;
    lastLogged = Date.now();
    log.warn({ err: error }, 'search cache: Redis failed, searching without it');
  };
  const cache = searchCache(
    twoLevelCache({
      ttlMs: options.settings.cacheTtlSeconds * 1000,
      maxEntries: options.settings.cacheEntries,
      redis,
      guard,
      onRedisError,
    }),
    // A tenant's generations outlive its cached pages (ADR 0008).
    redis
      ? redisGenerations(redis, guard, { ttlMs: 2 * options.settings.cacheTtlSeconds * 1000 })
      : memoryGenerations(),
    onRedisError,
  );
  const analytics = searchAnalyticsRecorder(options.db, (error) =>
    log.error({ err: error }, 'search analytics: writing events failed'),
  );
  const stopListening = onCommit(options.db, (changes) => cache.invalidate(changes));
  return {
    routes: {
      services: {
        cache,
        analytics,
        weights: options.settings.weights,
        onCacheLookup: (hit: boolean) => lookups.inc({ result: hit ? 'hit' : 'miss' }),
      },
      analytics,
    },
    async close() {
      stopListening();
      cache.close();
      await analytics.close();
    },
  };
}
