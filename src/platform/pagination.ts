import { sql, type RawBuilder } from 'kysely';
import { decodeCursor, encodeCursor, type CursorPosition } from './cursor.js';
import type { Tx } from './db/transactions.js';
import { AppError } from './errors.js';

/**
 * Hybrid pagination (SPEC §9), shared by every list and by search: pages 1-40 by offset with a
 * total counted up to 10,000, and on every page an opaque keyset cursor to the next one, which is
 * the only way deeper. A cursor carries the total counted on the page it came from, so a walk
 * counts once.
 */
export const MAX_OFFSET_PAGE = 40;
export const DEFAULT_PAGE_SIZE = 25;
/** Totals are counted exactly up to here; beyond, the planner's estimate is reported. */
export const MAX_EXACT_COUNT = 10_000;

export interface PageRequest {
  page?: number | undefined;
  page_size?: number | undefined;
  cursor?: string | undefined;
}

export interface PageInfo {
  type: 'offset' | 'cursor';
  page: number;
  page_size: number;
  total_count: number;
  total_count_estimated: boolean;
  total_pages: number;
  has_next: boolean;
  has_previous: boolean;
  next_cursor: string | null;
}

export interface Page<T> {
  data: T[];
  pagination: PageInfo;
}

/** What a list orders by: an expression of the row, its SQL type, and whether it can be null. */
export interface SortKey {
  expression: RawBuilder<unknown>;
  type: 'timestamptz' | 'date' | 'text' | 'integer' | 'numeric';
  nullable?: boolean;
}

export interface KeysetQuery {
  /** `from <table> r where ...`, without order or limit. */
  from: RawBuilder<unknown>;
  /** The row's columns: `r.id, r.name, ...`. */
  select: RawBuilder<unknown>;
  /** The row's id, the tiebreaker of every order. */
  id: RawBuilder<unknown>;
  sort: SortKey;
  descending: boolean;
  request: PageRequest;
  cursorKey: Buffer;
  /** What the cursor is bound to: tenant, list, sort and filters. */
  scope: string;
  /**
   * Count in the page's own statement (`count(*) over ()`), exactly, instead of a second one:
   * for queries that read every matching row to order them anyway (ranked search).
   */
  countInline?: boolean;
}

export function assertOffsetPage(page: number): void {
  if (page > MAX_OFFSET_PAGE) {
    throw new AppError('CURSOR_REQUIRED', {
      message: `Pages beyond ${MAX_OFFSET_PAGE} are reached with next_cursor, not page`,
      details: { max_offset_page: MAX_OFFSET_PAGE },
    });
  }
}

/** Runs one page of a query: by offset, or after a cursor's position. */
export async function keysetPage(
  tx: Tx,
  query: KeysetQuery,
): Promise<Page<Record<string, unknown>>> {
  const pageSize = query.request.page_size ?? DEFAULT_PAGE_SIZE;
  const after = query.request.cursor
    ? decodeCursor(query.cursorKey, query.scope, query.request.cursor)
    : null;
  const page = after?.page ?? query.request.page ?? 1;
  if (!after) assertOffsetPage(page);

  const { sort, descending, id } = query;
  const direction = descending ? sql`desc` : sql`asc`;
  const nulls = sort.nullable ? sql`nulls last` : sql``;
  const position = after ? sql`and ${afterPosition(query, after)}` : sql``;
  const offset = after ? sql`` : sql`offset ${(page - 1) * pageSize}`;
  const inline = query.countInline === true && !after;
  const { rows } = await sql<Record<string, unknown>>`
    select ${query.select}, (${sort.expression})::text as "__sort_value", ${id} as "__id"
      ${inline ? sql`, count(*) over () as "__total"` : sql``}
    ${query.from} ${position}
    order by ${sort.expression} ${direction} ${nulls}, ${id} ${direction}
    limit ${pageSize + 1} ${offset}`.execute(tx);
  const { count: total, estimated } =
    after?.total ??
    (inline && rows[0]
      ? { count: Number(rows[0].__total), estimated: false }
      : await countRows(tx, query.from));

  const hasNext = rows.length > pageSize;
  const data = rows.slice(0, pageSize);
  const last = data.at(-1);
  const nextCursor =
    hasNext && last
      ? encodeCursor(query.cursorKey, query.scope, {
          page: page + 1,
          sortValue: (last.__sort_value as string | null) ?? null,
          id: String(last.__id),
          total: { count: total, estimated },
        })
      : null;
  for (const row of data) {
    delete row.__sort_value;
    delete row.__id;
    delete row.__total;
  }
  // A carried total is as old as the walk: an estimate now, and never below the rows seen.
  const seen = (page - 1) * pageSize + data.length + (hasNext ? 1 : 0);
  const totalCount = Math.max(total, seen);
  return {
    data,
    pagination: {
      type: after ? 'cursor' : 'offset',
      page,
      page_size: pageSize,
      total_count: totalCount,
      total_count_estimated: estimated || after !== null,
      total_pages: Math.ceil(totalCount / pageSize),
      has_next: hasNext,
      has_previous: page > 1,
      next_cursor: nextCursor,
    },
  };
}

/**
 * Rows strictly after the cursor in the list's order (id breaks ties; nulls sort last). Without
 * nulls a row comparison, which an index on (sort, id) serves directly.
 */
function afterPosition(query: KeysetQuery, after: CursorPosition): RawBuilder<unknown> {
  const { expression, type, nullable } = query.sort;
  const id = query.id;
  const beyond = query.descending ? sql`<` : sql`>`;
  const lastId = sql`${after.id}::uuid`;
  if (after.sortValue === null) return sql`(${expression} is null and ${id} ${beyond} ${lastId})`;
  const value = sql`${after.sortValue}::${sql.raw(type)}`;
  if (!nullable) return sql`(${expression}, ${id}) ${beyond} (${value}, ${lastId})`;
  return sql`(${expression} ${beyond} ${value}
    or (${expression} = ${value} and ${id} ${beyond} ${lastId})
    or ${expression} is null)`;
}

async function countRows(
  tx: Tx,
  from: RawBuilder<unknown>,
): Promise<{ count: number; estimated: boolean }> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from (select 1 ${from} limit ${MAX_EXACT_COUNT + 1}) capped`.execute(
    tx,
  );
  const counted = rows[0]?.n ?? 0;
  if (counted <= MAX_EXACT_COUNT) return { count: counted, estimated: false };
  const { rows: plan } = await sql<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>`
    explain (format json) select 1 ${from}`.execute(tx);
  const planned = plan[0]?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? 0;
  return { count: Math.max(counted, Math.round(planned)), estimated: true };
}
