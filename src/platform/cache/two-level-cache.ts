import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { RedisGuard } from '../redis-guard.js';

/**
 * An in-process LRU in front of Redis (when configured). Values are JSON. Entries are never
 * invalidated one by one: they record the generations they were read under (generations.ts),
 * and they expire.
 */
export interface TwoLevelCache {
  get<T>(key: string): Promise<T | undefined>;
  /** Stores at once in process; the copy in Redis is written without waiting for it. */
  set(key: string, value: unknown): void;
}

export interface TwoLevelCacheOptions {
  ttlMs: number;
  /** Entries kept in process. */
  maxEntries: number;
  redis: Redis | null;
  guard: RedisGuard;
  /** Called when Redis fails; the cache then answers from (and fills) the process alone. */
  onRedisError: (error: unknown) => void;
}

export function twoLevelCache(options: TwoLevelCacheOptions): TwoLevelCache {
  // Values are kept parsed: callers must treat what they get as read-only.
  const local = new LRUCache<string, { value: unknown }>({
    max: options.maxEntries,
    ttl: options.ttlMs,
  });
  const { redis, guard } = options;
  const redisKey = (key: string) => `cache:${key}`;
  return {
    async get<T>(key: string) {
      let entry = local.get(key);
      if (!entry && redis) {
        try {
          const [[, json], [, ttl]] = (await guard.call(() =>
            redis.multi().get(redisKey(key)).pttl(redisKey(key)).exec(),
          )) as [[unknown, string | null], [unknown, number]];
          if (json !== null) {
            entry = { value: JSON.parse(json) };
            // The copy in process lives no longer than the one in Redis would.
            if (ttl > 0) local.set(key, entry, { ttl });
          }
        } catch (error) {
          options.onRedisError(error);
        }
      }
      return entry?.value as T | undefined;
    },
    set(key, value) {
      local.set(key, { value });
      if (!redis) return;
      const json = JSON.stringify(value);
      guard
        .call(() => redis.set(redisKey(key), json, 'PX', options.ttlMs))
        .catch(options.onRedisError);
    },
  };
}
