import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { assertOffsetPage, type Page, type PageRequest } from '../../platform/pagination.js';
import { normaliseQuery } from './normalise-query.js';
import { SEARCH_ENTITIES, type SearchEntity, type WeightOverrides } from './ranking.js';
import type { SearchAnalyticsRecorder } from './search-analytics.js';
import type { SearchCache } from './search-cache.js';
import { runSearch, type SearchHit } from './search-query.js';
import { SEARCH_SOURCES } from './sources.js';

export interface SearchInput extends PageRequest {
  query: string;
  entities?: readonly SearchEntity[] | undefined;
  filters?: Partial<Record<SearchEntity, Record<string, unknown>>> | undefined;
  /** Filters for every entity type that has the field (GET); types without it are left out. */
  common?: Record<string, unknown> | undefined;
}

export type SearchResult = Page<SearchHit> & {
  query: string;
  entities: SearchEntity[];
  from_cache: boolean;
};

export interface SearchServices {
  cache: SearchCache;
  analytics: SearchAnalyticsRecorder;
  weights: WeightOverrides;
  onCacheLookup: (hit: boolean) => void;
}

/** The entity types asked for (all by default) that the caller may view; the rest are left out. */
export function visibleEntities(
  ctx: Pick<RequestContext, 'permissions'>,
  asked: readonly SearchEntity[] | undefined,
): SearchEntity[] {
  const wanted = new Set(asked && asked.length > 0 ? asked : SEARCH_ENTITIES);
  return SEARCH_ENTITIES.filter((entity) => {
    const permission = SEARCH_SOURCES[entity].permission;
    return wanted.has(entity) && (permission === null || ctx.permissions.has(permission));
  });
}

/** SPEC §9 search: ranked, typo-tolerant, only what the caller may view, cached five minutes. */
export async function searchRecords(
  ctx: RequestContext,
  services: SearchServices,
  input: SearchInput,
): Promise<SearchResult> {
  const started = performance.now();
  const query = normaliseQuery(input.query);
  const common = Object.entries(input.common ?? {}).filter(([, value]) => value !== undefined);
  const entities = visibleEntities(ctx, input.entities).filter((entity) =>
    common.every(([name]) => name in SEARCH_SOURCES[entity].filters),
  );
  const filters = Object.fromEntries(
    entities.flatMap((entity) => {
      const own = { ...Object.fromEntries(common), ...input.filters?.[entity] };
      return Object.keys(own).length > 0 ? [[entity, own]] : [];
    }),
  );
  const page = { page: input.page, page_size: input.page_size, cursor: input.cursor };
  const cached = await services.cache.lookup<SearchResult>(ctx.tenantId, entities, {
    actor: ctx.actorId,
    query,
    filters,
    page,
  });
  services.onCacheLookup(cached.value !== undefined);
  let result: SearchResult;
  if (cached.value) {
    result = { ...cached.value, from_cache: true };
  } else {
    const found =
      entities.length === 0
        ? emptyPage(page)
        : await withTenantTx(ctx, (tx) =>
            runSearch(tx, ctx, { query, entities, filters, page, weights: services.weights }),
          );
    result = { ...found, query, entities, from_cache: false };
    cached.store(result);
  }
  services.analytics.record({
    tenantId: ctx.tenantId,
    actorId: ctx.actorId,
    query,
    entities,
    resultCount: result.pagination.total_count,
    latencyMs: performance.now() - started,
    fromCache: result.from_cache,
  });
  return result;
}

function emptyPage(page: PageRequest): Page<SearchHit> {
  if (!page.cursor) assertOffsetPage(page.page ?? 1);
  return {
    data: [],
    pagination: {
      type: page.cursor ? 'cursor' : 'offset',
      page: page.page ?? 1,
      page_size: page.page_size ?? 25,
      total_count: 0,
      total_count_estimated: false,
      total_pages: 0,
      has_next: false,
      has_previous: (page.page ?? 1) > 1,
      next_cursor: null,
    },
  };
}
