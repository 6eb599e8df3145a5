import { sql, type RawBuilder } from 'kysely';

/**
 * The ranking of SPEC §9: score = 0.4·text relevance + 0.2·trigram similarity + 0.2·recency +
 * 0.1·activity + 0.1·ownership, each part in [0, 1], weights overridable per entity type.
 */
export const SEARCH_ENTITIES = [
  'work_order',
  'task',
  'ticket',
  'person',
  'site',
  'asset',
  'vendor',
] as const;
export type SearchEntity = (typeof SEARCH_ENTITIES)[number];

export const WEIGHT_NAMES = ['text', 'trigram', 'recency', 'activity', 'ownership'] as const;
export type Weights = Record<(typeof WEIGHT_NAMES)[number], number>;
export type WeightOverrides = Partial<Record<SearchEntity, Partial<Weights>>>;

export const DEFAULT_WEIGHTS: Weights = {
  text: 0.4,
  trigram: 0.2,
  recency: 0.2,
  activity: 0.1,
  ownership: 0.1,
};

export function weightsFor(entity: SearchEntity, overrides: WeightOverrides): Weights {
  return { ...DEFAULT_WEIGHTS, ...overrides[entity] };
}

/** Age bands of the recency part: younger than `days` scores `value`; older than all, 0.2. */
export const RECENCY_BANDS: readonly [days: number, value: number][] = [
  [7, 1.0],
  [30, 0.8],
  [90, 0.6],
  [365, 0.4],
];

/** The parts as plain functions, for the unit tests and for reading; SQL below mirrors them. */
export function recency(ageDays: number): number {
  return RECENCY_BANDS.find(([days]) => ageDays < days)?.[1] ?? 0.2;
}

export function activity(row: { overdue: boolean; priority: string | null }): number {
  if (row.overdue) return 1.0;
  if (row.priority === 'HIGH' || row.priority === 'CRITICAL') return 0.9;
  if (row.priority === 'MEDIUM') return 0.6;
  return 0.4;
}

export function ownership(row: { createdByMe: boolean; assignedToMe: boolean }): number {
  if (row.createdByMe) return 1.0;
  if (row.assignedToMe) return 0.8;
  return 0.3;
}

export function score(weights: Weights, parts: Weights): number {
  return WEIGHT_NAMES.reduce((sum, name) => sum + weights[name] * parts[name], 0);
}

/** Statuses after which a record can no longer be overdue. */
const CLOSED_STATUSES = ['COMPLETED', 'CLOSED', 'CANCELLED', 'RESOLVED', 'AUTOCLOSED'];

/** What the SQL parts are computed from: the row's columns, the caller, the reference time. */
export interface RankingColumns {
  updatedAt: RawBuilder<unknown>;
  priority: RawBuilder<unknown> | null;
  dueAt: RawBuilder<unknown> | null;
  status: RawBuilder<unknown> | null;
  createdBy: RawBuilder<unknown>;
  assignee: RawBuilder<unknown> | null;
}

export function recencySql(updatedAt: RawBuilder<unknown>, at: Date): RawBuilder<number> {
  const age = sql`(${at}::timestamptz - ${updatedAt})`;
  return sql<number>`(case ${sql.join(
    RECENCY_BANDS.map(
      ([days, value]) =>
        sql`when ${age} < ${sql.lit(`${days} days`)}::interval then ${sql.lit(value)}`,
    ),
    sql` `,
  )} else 0.2 end)`;
}

export function activitySql(columns: RankingColumns, at: Date): RawBuilder<number> {
  const overdue =
    columns.dueAt && columns.status
      ? sql`when ${columns.dueAt} < ${at}::timestamptz and ${columns.status} <> all(${CLOSED_STATUSES}::text[]) then 1.0`
      : sql``;
  if (!columns.priority) return sql<number>`0.4`;
  return sql<number>`(case ${overdue}
    when ${columns.priority} in ('HIGH', 'CRITICAL') then 0.9
    when ${columns.priority} = 'MEDIUM' then 0.6 else 0.4 end)`;
}

export function ownershipSql(columns: RankingColumns, actorId: string): RawBuilder<number> {
  const assigned = columns.assignee
    ? sql`when ${columns.assignee} = ${actorId}::uuid then 0.8`
    : sql``;
  return sql<number>`(case when ${columns.createdBy} = ${actorId}::uuid then 1.0 ${assigned} else 0.3 end)`;
}
