import { createHash } from 'node:crypto';
import type { GenerationStore } from '../../platform/cache/generations.js';
import type { TwoLevelCache } from '../../platform/cache/two-level-cache.js';
import type { CommittedChanges } from '../../platform/db/transactions.js';
import { SEARCH_ENTITIES, type SearchEntity } from './ranking.js';

/**
 * Cached search pages. A key covers the tenant, the caller (ranking counts ownership, and the
 * entities they may view are their permission scope), the normalised query, the entities in
 * any order, the filters and the page; the entry holds the version of the generations of the
 * entities searched when it was computed, and counts only while they are still current: a
 * committed write of one entity type bumps its generation, so every process misses at once.
 */
export interface SearchCache {
  /**
   * The cached page of this search if still current, and `store` for a fresh one. The versions
   * and the entry are read together (one round trip to Redis). While the generations cannot be
   * read nothing is found, and nothing stored.
   */
  lookup<T>(tenantId: string, entities: readonly SearchEntity[], parts: object): Promise<Lookup<T>>;
  /** Bumps the generations of the searchable entity types a committed transaction wrote. */
  invalidate(changes: CommittedChanges): Promise<void>;
  /** Stops retrying bumps that failed. */
  close(): void;
}

export interface Lookup<T> {
  value: T | undefined;
  /** Caches `value` under the generations read before the search ran; does not wait for Redis. */
  store(value: T): void;
}

interface Entry {
  version: string;
  value: unknown;
}

/** How soon a generation bump that Redis refused is tried again. */
const RETRY_MS = 500;

const SEARCHABLE = new Set<string>(SEARCH_ENTITIES);

const BYPASS: Lookup<unknown> = { value: undefined, store: () => {} };

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
    async lookup<T>(tenantId: string, entities: readonly SearchEntity[], parts: object) {
      if (unbumped.has(tenantId)) return BYPASS as Lookup<T>;
      const sorted = [...entities].sort();
      const identity = JSON.stringify([tenantId, sorted, parts]);
      const key = `search:${tenantId}:${createHash('sha256').update(identity).digest('base64url')}`;
      // Read before the search runs: a search racing a write stores its page under the old
      // version, which nobody accepts again.
      const [version, entry] = await Promise.all([
        generations.read(tenantId, sorted).catch((error: unknown) => {
          onError(error);
          return null;
        }),
        store.get<Entry>(key),
      ]);
      if (version === null) return BYPASS as Lookup<T>;
      return {
        value: entry?.version === version ? (entry.value as T) : undefined,
        store: (value: T) => store.set(key, { version, value } satisfies Entry),
      };
    },
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
