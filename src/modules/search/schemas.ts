import { Type, type Static } from 'typebox';
import { EnumList } from '../../platform/records/filters.js';
import {
  DateTime,
  Nullable,
  PageQuery,
  PRIORITIES,
  Timestamp,
  Uuid,
} from '../../platform/schemas.js';
import { SEARCH_ENTITIES } from './ranking.js';

export const SearchEntitySchema = Type.Enum(SEARCH_ENTITIES);

/** Long queries are cut to 500 characters after normalisation, not refused (SPEC §9). */
const QueryText = Type.String({
  maxLength: 100_000,
  description: '2 to 500 characters are searched for',
});
const Cursor = Type.String({ minLength: 1, maxLength: 1000 });
const StatusList = Type.String({
  pattern: '^[A-Z_]+(,[A-Z_]+)*$',
  description: 'One or more statuses, comma-separated',
});
const Priorities = EnumList(PRIORITIES);
const Category = Type.String({ minLength: 1, maxLength: 100 });

const filters = (properties: Record<string, Parameters<typeof Type.Optional>[0]>) =>
  Type.Object(
    Object.fromEntries(
      Object.entries(properties).map(([name, schema]) => [name, Type.Optional(schema)]),
    ),
    { additionalProperties: false },
  );

/** Per-entity filters of POST /search. */
export const SearchFilters = Type.Object(
  {
    work_order: Type.Optional(
      filters({ status: StatusList, priority: Priorities, site_id: Uuid, assigned_to: Uuid }),
    ),
    task: Type.Optional(
      filters({ status: StatusList, priority: Priorities, site_id: Uuid, assignee_id: Uuid }),
    ),
    ticket: Type.Optional(
      filters({
        status: StatusList,
        priority: Priorities,
        site_id: Uuid,
        assignee_id: Uuid,
        category: Category,
      }),
    ),
    person: Type.Optional(filters({ site_id: Uuid, is_active: Type.Boolean() })),
    site: Type.Optional(filters({})),
    asset: Type.Optional(filters({ site_id: Uuid, category: Category })),
    vendor: Type.Optional(filters({})),
  },
  { additionalProperties: false },
);

export const SearchQuery = Type.Object(
  {
    q: QueryText,
    entities: Type.Optional(EnumList(SEARCH_ENTITIES)),
    status: Type.Optional(StatusList),
    priority: Type.Optional(Priorities),
    site_id: Type.Optional(Uuid),
    ...PageQuery,
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type SearchQuery = Static<typeof SearchQuery>;

export const SearchBody = Type.Object(
  {
    query: QueryText,
    entities: Type.Optional(
      Type.Array(SearchEntitySchema, { uniqueItems: true, maxItems: SEARCH_ENTITIES.length }),
    ),
    filters: Type.Optional(SearchFilters),
    ...PageQuery,
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type SearchBody = Static<typeof SearchBody>;

const Metadata = Type.Object({}, { additionalProperties: true });

export const SearchHitSchema = Type.Object({
  entity: SearchEntitySchema,
  id: Uuid,
  title: Type.String(),
  subtitle: Type.String(),
  snippet: Nullable(Type.String()),
  score: Type.Number(),
  metadata: Metadata,
});

export const SavedSearchBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    query: QueryText,
    entities: Type.Optional(
      Type.Array(SearchEntitySchema, { uniqueItems: true, maxItems: SEARCH_ENTITIES.length }),
    ),
    filters: Type.Optional(SearchFilters),
  },
  { additionalProperties: false },
);

export const SavedSearchSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  query: Type.String(),
  entities: Type.Array(SearchEntitySchema),
  filters: Metadata,
  created_at: Timestamp,
});

export const AnalyticsQuery = Type.Object(
  { from: Type.Optional(DateTime), to: Type.Optional(DateTime) },
  { additionalProperties: false },
);

export const AnalyticsSchema = Type.Object({
  hits: Type.Integer(),
  misses: Type.Integer(),
  hit_rate: Type.Number(),
  searches: Type.Integer(),
  zero_result_searches: Type.Integer(),
  latency_ms: Type.Object({ p50: Type.Number(), p95: Type.Number() }),
  top_queries: Type.Array(Type.Object({ query: Type.String(), count: Type.Integer() })),
});
