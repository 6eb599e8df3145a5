import { describe, expect, it } from 'vitest';
import type { GenerationStore } from '../../platform/cache/generations.js';
import { memoryGenerations } from '../../platform/cache/generations.js';
import type { TwoLevelCache } from '../../platform/cache/two-level-cache.js';
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

const unusedStore = {} as TwoLevelCache;

describe('search cache invalidation', () => {
  it('retries a bump Redis refused, and bypasses the cache for that tenant until it lands', async () => {
    const errors: unknown[] = [];
    const cache = searchCache(unusedStore, flakyGenerations(2), (error) => errors.push(error));
    try {
      const before = await cache.keyFor('tenant-a', ['ticket'], { query: 'boiler' });
      expect(before).not.toBeNull();

      await cache.invalidate(new Map([['tenant-a', new Set(['ticket'])]]));
      expect(errors).toHaveLength(1);
      expect(await cache.keyFor('tenant-a', ['ticket'], { query: 'boiler' })).toBeNull();
      // Another tenant's searches are not held up.
      expect(await cache.keyFor('tenant-b', ['ticket'], { query: 'boiler' })).not.toBeNull();

      // The first retry fails too; the second lands.
      await new Promise((resolve) => setTimeout(resolve, 1300));
      expect(errors).toHaveLength(2);
      const after = await cache.keyFor('tenant-a', ['ticket'], { query: 'boiler' });
      expect(after).not.toBeNull();
      expect(after).not.toBe(before);
    } finally {
      cache.close();
    }
  });
});
