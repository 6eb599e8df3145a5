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
  /** Stops retrying bumps that failed. */
  close(): void;
}

/** How soon a generation bump that Redis refused is tried again. */
const RETRY_MS = 500;

const SEARCHABLE = new Set<string>(SEARCH_ENTITIES);

export function searchCache(
  store: TwoLevelCache,
  generations: GenerationStore,
  onError: (error: unknown) => void,
): SearchCache {
  // Bumps Redis refused, per tenant. Until one lands, this process bypasses the cache for that
  // tenant (its entries may predate the write) and tries again: a lost bump would otherwise
  // leave every process serving pre-write results once Redis is back.
  const unbumped = new Map<string, Set<string>>();
  let retry: NodeJS.Timeout | undefined;

  const bump = async (tenantId: string, types: readonly string[]) => {
    try {
      await generations.bump(tenantId, types);
      return true;
    } catch (error) {
      onError(error);
      const waiting = unbumped.get(tenantId) ?? new Set<string>();
      unbumped.set(tenantId, waiting);
      for (const type of types) waiting.add(type);
      retry ??= setTimeout(retryUnbumped, RETRY_MS);
      return false;
    }
  };
  const retryUnbumped = async () => {
    retry = undefined;
    for (const [tenantId, types] of [...unbumped]) {
      unbumped.delete(tenantId);
      await bump(tenantId, [...types]);
    }
  };

  return {
    async keyFor(tenantId, entities, parts) {
      if (unbumped.has(tenantId)) return null;
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
          if (searchable.length > 0) await bump(tenantId, searchable);
        }),
      );
    },
    close() {
      clearTimeout(retry);
      retry = undefined;
    },
  };
}
