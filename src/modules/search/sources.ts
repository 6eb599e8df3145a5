import { sql, type RawBuilder } from 'kysely';
import { SEARCH_TEXT } from '../../../migrations/0005_search.js';
import { equals, oneOf } from '../../platform/records/filters.js';
import type { RankingColumns, SearchEntity } from './ranking.js';

/** One searchable record type: where its rows are, what is matched, shown and ranked. */
export interface SearchSource {
  entity: SearchEntity;
  table: string;
  /** Needed to see any of these records; null: every person of the tenant may read them. */
  permission: string | null;
  /** Exactly the expression the trigram index of migration 0005 is on. */
  text: RawBuilder<string>;
  /** Identifier columns (numbers, codes): matched exactly or by prefix. */
  identifiers: readonly string[];
  title: RawBuilder<unknown>;
  subtitle: RawBuilder<unknown>;
  /** Text a snippet is cut from. */
  body: RawBuilder<unknown> | null;
  metadata: RawBuilder<unknown>;
  ranking: RankingColumns;
  filters: Readonly<Record<string, (value: never) => RawBuilder<unknown>>>;
}

const r = (column: string) => sql.ref(`r.${column}`);
const join = (...columns: string[]) =>
  sql`concat_ws(' · ', ${sql.join(columns.map((column) => r(column)))})`;
const json = (...columns: string[]) =>
  sql`jsonb_build_object(${sql.join(columns.flatMap((column) => [sql.lit(column), r(column)]))})`;

const numbered = (
  entity: SearchEntity,
  table: string,
  permission: string,
  assignee: string,
  extra: string[] = [],
): SearchSource => ({
  entity,
  table,
  permission,
  text: sql.raw(SEARCH_TEXT[table]!),
  identifiers: ['number'],
  title: r('title'),
  subtitle: join('number', 'status', 'priority'),
  body: r('description'),
  metadata: json(
    'number',
    'status',
    'priority',
    'site_id',
    assignee,
    'due_at',
    'updated_at',
    ...extra,
  ),
  ranking: {
    updatedAt: r('updated_at'),
    priority: r('priority'),
    dueAt: r('due_at'),
    status: r('status'),
    createdBy: r('created_by'),
    assignee: r(assignee),
  },
  filters: {
    status: oneOf('status'),
    priority: oneOf('priority'),
    site_id: equals('site_id'),
    [assignee]: equals(assignee),
    ...Object.fromEntries(extra.map((column) => [column, equals(column)])),
  },
});

const named = (
  entity: SearchEntity,
  table: string,
  subtitle: string[],
  metadata: string[],
  filters: SearchSource['filters'] = {},
): SearchSource => ({
  entity,
  table,
  permission: null,
  text: sql.raw(SEARCH_TEXT[table]!),
  identifiers: table === 'people' ? ['login'] : ['code'],
  title: r('name'),
  subtitle: join(...subtitle),
  body: null,
  metadata: json(...metadata, 'updated_at'),
  ranking: {
    updatedAt: r('updated_at'),
    priority: null,
    dueAt: null,
    status: null,
    createdBy: r('created_by'),
    assignee: null,
  },
  filters,
});

/** People, sites, assets and vendors are read by any person of the tenant, as their routes are. */
export const SEARCH_SOURCES: Readonly<Record<SearchEntity, SearchSource>> = {
  work_order: numbered('work_order', 'work_orders', 'work_orders.view', 'assigned_to'),
  task: numbered('task', 'tasks', 'tasks.view', 'assignee_id'),
  ticket: numbered('ticket', 'tickets', 'tickets.view', 'assignee_id', ['category']),
  person: named('person', 'people', ['login'], ['login', 'site_id', 'is_active'], {
    site_id: equals('site_id'),
    is_active: equals('is_active'),
  }),
  site: named('site', 'sites', ['code', 'timezone'], ['code', 'timezone']),
  asset: named('asset', 'assets', ['code', 'category'], ['code', 'site_id', 'category'], {
    site_id: equals('site_id'),
    category: equals('category'),
  }),
  vendor: named('vendor', 'vendors', ['code'], ['code']),
};
