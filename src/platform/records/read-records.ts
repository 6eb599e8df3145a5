import { sql, type RawBuilder } from 'kysely';
import type { RequestContext } from '../context.js';
import { cursorScope } from '../cursor.js';
import type { Tx } from '../db/transactions.js';
import { AppError } from '../errors.js';
import { keysetPage, type Page, type PageRequest } from '../pagination.js';
import type { ListSpec, RecordRow, RecordTable } from './record-table.js';

const COMMON_COLUMNS = [
  'id',
  'tenant_id',
  'version',
  'created_at',
  'updated_at',
  'created_by',
  'updated_by',
];

/**
 * `r.id, r.tenant_id, ..., <computed> as name`: what every read of a record returns, with every
 * sub-collection, or only those named.
 */
export function recordColumns(
  table: RecordTable,
  collections: 'all' | readonly string[] = 'all',
): RawBuilder<unknown> {
  const embedded = Object.entries(table.collections ?? {}).filter(
    ([name]) => collections === 'all' || collections.includes(name),
  );
  return sql.join([
    ...[...COMMON_COLUMNS, ...table.columns].map((name) => sql.ref(`r.${name}`)),
    ...[...Object.entries(table.computed ?? {}), ...embedded].map(
      ([name, expression]) => sql`${expression} as ${sql.id(name)}`,
    ),
  ]);
}

const live = (table: RecordTable) =>
  table.softDelete === false ? sql`` : sql`and r.deleted_at is null`;

/** A live (not deleted) record of the tenant, or undefined. */
export async function findRecord(
  tx: Tx,
  table: RecordTable,
  tenantId: string,
  id: string,
): Promise<RecordRow | undefined> {
  const { rows } = await sql<RecordRow>`
    select ${recordColumns(table)} from ${sql.table(table.table)} r
    where r.tenant_id = ${tenantId} and r.id = ${id} ${live(table)}`.execute(tx);
  return rows[0];
}

/** A record as a change finds it, and whether it is frozen (`RecordTable.frozen`). */
export interface FoundRecord {
  record: RecordRow;
  frozen: boolean;
}

/**
 * The live records of the tenant among `ids`, in id order (missing ids are left out), with the
 * sub-collections named. With `lock`, each is locked for the rest of the transaction (in id order,
 * so requests over overlapping ids cannot deadlock), so a decision taken on them still holds when
 * they are written.
 */
export async function findRecordsForChange(
  tx: Tx,
  table: RecordTable,
  tenantId: string,
  ids: readonly string[],
  options: { lock: boolean; collections: 'all' | readonly string[] },
): Promise<FoundRecord[]> {
  if (ids.length === 0) return [];
  const frozen = table.frozen?.condition ?? sql<boolean>`false`;
  const lock = options.lock ? sql`for no key update of r` : sql``;
  const { rows } = await sql<RecordRow & { record_is_frozen: boolean }>`
    select ${recordColumns(table, options.collections)}, (${frozen}) as record_is_frozen
    from ${sql.table(table.table)} r
    where r.tenant_id = ${tenantId} and r.id = any(${sql.val(ids)}::uuid[]) ${live(table)}
    order by r.id
    ${lock}`.execute(tx);
  return rows.map(({ record_is_frozen, ...record }) => ({ record, frozen: record_is_frozen }));
}

export type ListRequest = PageRequest & { sort?: string | undefined } & Record<string, unknown>;

/** One page of a tenant's live records, filtered and sorted as `spec` allows. */
export async function listRecords(
  tx: Tx,
  ctx: Pick<RequestContext, 'tenantId' | 'cursorKey'>,
  table: RecordTable,
  spec: ListSpec,
  request: ListRequest,
): Promise<Page<RecordRow>> {
  const { page, page_size: pageSize, cursor, sort = spec.defaultSort, ...filterValues } = request;
  const descending = sort.startsWith('-');
  const sortKey = spec.sorts[descending ? sort.slice(1) : sort];
  if (!sortKey) throw new AppError('VALIDATION_ERROR', { message: `Unknown sort key ${sort}` });

  const conditions = [sql`r.tenant_id = ${ctx.tenantId} ${live(table)}`];
  const filters: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(filterValues)) {
    if (value === undefined) continue;
    const filter = spec.filters[name] as ((value: unknown) => RawBuilder<unknown>) | undefined;
    if (!filter) throw new AppError('VALIDATION_ERROR', { message: `Unknown filter ${name}` });
    conditions.push(filter(value));
    filters[name] = value;
  }
  return keysetPage(tx, {
    from: sql`from ${sql.table(table.table)} r where ${sql.join(conditions, sql` and `)}`,
    select: recordColumns(table),
    id: sql.ref('r.id'),
    sort: sortKey,
    descending,
    request: { page, page_size: pageSize, cursor },
    cursorKey: ctx.cursorKey,
    scope: cursorScope({ tenant: ctx.tenantId, list: table.table, sort, filters, pageSize }),
  });
}
