import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisGuard } from '../redis-guard.js';

/**
 * Per-tenant, per-entity-type generation counters. A cached value records the version of the
 * entity types it was read from; a write bumps its type's generation, so every process stops
 * accepting the old values at once, without scanning for keys.
 */
export interface GenerationStore {
  /** The version of these types' data: equal versions mean no write of them in between. */
  read(tenantId: string, entityTypes: readonly string[]): Promise<string>;
  bump(tenantId: string, entityTypes: readonly string[]): Promise<void>;
}

/** For one process (embedded mode). */
export function memoryGenerations(): GenerationStore {
  const counters = new Map<string, number>();
  const key = (tenantId: string, entityType: string) => `${tenantId}:${entityType}`;
  return {
    read: async (tenantId, entityTypes) =>
      entityTypes.map((type) => counters.get(key(tenantId, type)) ?? 0).join(','),
    async bump(tenantId, entityTypes) {
      for (const type of entityTypes) {
        counters.set(key(tenantId, type), (counters.get(key(tenantId, type)) ?? 0) + 1);
      }
    },
  };
}

/** The hash field naming the hash's incarnation. */
const EPOCH = '_epoch';

/**
 * Shared by every process on the Redis server: one hash per tenant, a field per entity type. A
 * hash expires `ttlMs` after the tenant's last write. Its counters then start again from zero,
 * so each hash also holds a random epoch, set by the write that creates it: a recreated hash
 * never repeats a version of the one before, however long a value cached under it lives.
 */
export function redisGenerations(
  redis: Redis,
  guard: RedisGuard,
  options: { ttlMs: number },
): GenerationStore {
  const key = (tenantId: string) => `gen:${tenantId}`;
  return {
    async read(tenantId, entityTypes) {
      const [epoch, ...values] = await guard.call(() =>
        redis.hmget(key(tenantId), EPOCH, ...entityTypes),
      );
      return `${epoch ?? ''}:${values.map((value) => value ?? 0).join(',')}`;
    },
    async bump(tenantId, entityTypes) {
      if (entityTypes.length === 0) return;
      const multi = redis
        .multi()
        .hsetnx(key(tenantId), EPOCH, randomBytes(9).toString('base64url'));
      for (const type of entityTypes) multi.hincrby(key(tenantId), type, 1);
      multi.pexpire(key(tenantId), options.ttlMs);
      await guard.call(() => multi.exec());
    },
  };
}
