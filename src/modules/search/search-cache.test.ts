import { describe, expect, it } from 'vitest';
import type { GenerationStore } from '../../platform/cache/generations.js';
import { memoryGenerations } from '../../platform/cache/generations.js';
import { twoLevelCache } from '../../platform/cache/two-level-cache.js';
import { redisGuard } from '../../platform/redis-guard.js';
import { searchCache } from './search-cache.js';

/** Generations whose next `failures` bumps fail, as when Redis is unreachable. */
function flakyGenerations(failures: number): GenerationStore {
  const inner = memoryGenerations();
  let left = failures;
  return {
    read: (tenantId, types) => inner.read(tenantId, types),
    async bump(tenantId, types) {
      if (left > 0) {
        left -= 1;
        throw new Error('Redis is unavailable');
      }
      await inner.bump(tenantId, types);
    },
  };
}

const inProcess = () =>
  twoLevelCache({
    ttlMs: 60_000,
    maxEntries: 100,
    redis: null,
    guard: redisGuard(),
    onRedisError: () => {},
  });

describe('search cache invalidation', () => {
  it('retries a bump Redis refused, and bypasses the cache for that tenant until it lands', async () => {
    const errors: unknown[] = [];
    const cache = searchCache(inProcess(), flakyGenerations(2), (error) => errors.push(error));
    const find = async (tenantId: string) =>
      cache.lookup<string>(tenantId, ['ticket'], { query: 'boiler' });
    try {
      (await find('tenant-a')).store('page before');
      expect((await find('tenant-a')).value).toBe('page before');

      await cache.invalidate(new Map([['tenant-a', new Set(['ticket'])]]));
      expect(errors).toHaveLength(1);
      // The generation is unchanged (the bump failed), yet the page is not served, nor stored.
      const bypassed = await find('tenant-a');
      expect(bypassed.value).toBeUndefined();
      bypassed.store('page during');
      expect((await find('tenant-a')).value).toBeUndefined();
      // Another tenant's searches are not held up.
      (await find('tenant-b')).store('page of b');
      expect((await find('tenant-b')).value).toBe('page of b');

      // The first retry fails too; the second lands.
      await new Promise((resolve) => setTimeout(resolve, 1300));
      expect(errors).toHaveLength(2);
      const after = await find('tenant-a');
      expect(after.value).toBeUndefined();
      after.store('page after');
      expect((await find('tenant-a')).value).toBe('page after');
    } finally {
      cache.close();
    }
  });
});
