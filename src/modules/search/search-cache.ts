import { createHash } from 'node:crypto';
import type { GenerationStore } from '../../platform/cache/generations.js';
import type { TwoLevelCache } from '../../platform/cache/two-level-cache.js';
import type { CommittedChanges } from '../../platform/db/transactions.js';
import { SEARCH_ENTITIES, type SearchEntity } from './ranking.js';

/**
 * Cached search pages. A key covers the tenant, the caller (ranking counts ownership, and the
 * entities they may view are their permission scope), the normalised query, the entities in
 * any order, the filters and the page, and the current generation of each entity searched:
 * a committed write of one entity type bumps its generation, so every process misses at once.
 */
export interface SearchCache {
  /** The key to use for this search now, or null while the generations cannot be read. */
  keyFor(
    tenantId: string,
    entities: readonly SearchEntity[],
    parts: object,
  ): Promise<string | null>;
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  /** Bumps the generations of the searchable entity types a committed transaction wrote. */
  invalidate(changes: CommittedChanges): Promise<void>;
}

const SEARCHABLE = new Set<string>(SEARCH_ENTITIES);

export function searchCache(
  store: TwoLevelCache,
  generations: GenerationStore,
  onError: (error: unknown) => void,
): SearchCache {
  return {
    async keyFor(tenantId, entities, parts) {
      const sorted = [...entities].sort();
      try {
        const current = await generations.read(tenantId, sorted);
        const identity = JSON.stringify([tenantId, sorted, current, parts]);
        return `search:${tenantId}:${createHash('sha256').update(identity).digest('base64url')}`;
      } catch (error) {
        onError(error);
        return null;
      }
    },
    get: (key) => store.get(key),
    set: (key, value) => store.set(key, value),
    async invalidate(changes) {
      await Promise.all(
        [...changes].map(async ([tenantId, types]) => {
          const searchable = [...types].filter((type) => SEARCHABLE.has(type));
          try {
            await generations.bump(tenantId, searchable);
          } catch (error) {
            onError(error);
          }
        }),
      );
    },
  };
}
