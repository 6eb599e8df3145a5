import type { Redis } from 'ioredis';
import type { RedisGuard } from '../redis-guard.js';

/**
 * Per-tenant, per-entity-type generation counters. A cached value's key includes the generations
 * of the entity types it was read from; a write bumps its type's generation, so every process
 * stops finding the old entries at once, without scanning for keys.
 */
export interface GenerationStore {
  read(tenantId: string, entityTypes: readonly string[]): Promise<number[]>;
  bump(tenantId: string, entityTypes: readonly string[]): Promise<void>;
}

/** For one process (embedded mode). */
export function memoryGenerations(): GenerationStore {
  const counters = new Map<string, number>();
  const key = (tenantId: string, entityType: string) => `${tenantId}:${entityType}`;
  return {
    read: async (tenantId, entityTypes) =>
      entityTypes.map((type) => counters.get(key(tenantId, type)) ?? 0),
    async bump(tenantId, entityTypes) {
      for (const type of entityTypes) {
        counters.set(key(tenantId, type), (counters.get(key(tenantId, type)) ?? 0) + 1);
      }
    },
  };
}

/** Shared by every process on the Redis server: one hash per tenant, a field per entity type. */
export function redisGenerations(redis: Redis, guard: RedisGuard): GenerationStore {
  const key = (tenantId: string) => `gen:${tenantId}`;
  return {
    async read(tenantId, entityTypes) {
      if (entityTypes.length === 0) return [];
      const values = await guard.call(() => redis.hmget(key(tenantId), ...entityTypes));
      return values.map((value) => Number(value ?? 0));
    },
    async bump(tenantId, entityTypes) {
      if (entityTypes.length === 0) return;
      const multi = redis.multi();
      for (const type of entityTypes) multi.hincrby(key(tenantId), type, 1);
      await guard.call(() => multi.exec());
    },
  };
}
