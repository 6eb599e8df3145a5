import { sql, type RawBuilder } from 'kysely';
import type { RequestContext } from '../../platform/context.js';
import { cursorScope } from '../../platform/cursor.js';
import type { Tx } from '../../platform/db/transactions.js';
import { AppError } from '../../platform/errors.js';
import { keysetPage, type Page, type PageRequest } from '../../platform/pagination.js';
import { expandTypos, matchSql, wordGroups, type Variant } from './match.js';
import { tokenize, type Token } from './normalise-query.js';
import {
  activitySql,
  ownershipSql,
  recencySql,
  weightsFor,
  type SearchEntity,
  type WeightOverrides,
} from './ranking.js';
import { SEARCH_SOURCES } from './sources.js';

export interface SearchHit {
  entity: SearchEntity;
  id: string;
  title: string;
  subtitle: string;
  snippet: string | null;
  score: number;
  metadata: Record<string, unknown>;
}

export interface SearchPlan {
  query: string;
  entities: readonly SearchEntity[];
  filters: Partial<Record<SearchEntity, Record<string, unknown>>>;
  page: PageRequest;
  weights: WeightOverrides;
}

/**
 * One page of ranked results. Scores depend on the time (recency, overdue), so the first page
 * fixes a reference time and its cursor carries it: `<time>.<keyset cursor>`, the time also
 * bound into the signed cursor's scope, so deeper pages rank exactly as the first did.
 */
export async function runSearch(
  tx: Tx,
  ctx: RequestContext,
  plan: SearchPlan,
): Promise<Page<SearchHit>> {
  const { at, cursor } = splitCursor(plan.page.cursor);
  const tokens = tokenize(plan.query);
  const variants = await expandTypos(tx, tokens);
  // The word groups' lexicon look-up, once for every table searched.
  const groups = wordGroups(tokens, variants);
  const groupsSql = groups.length > 0 ? sql`(select groups from word_groups)` : sql`'{}'::text[]`;
  const branches = sql.join(
    plan.entities.map((entity) => sourceSql(entity, ctx, plan, tokens, variants, groupsSql, at)),
    sql` union all `,
  );
  const union =
    groups.length > 0
      ? sql`with word_groups as materialized (
          select search_word_groups(${groups}::text[]) as groups) ${branches}`
      : branches;
  const pageSize = plan.page.page_size;
  const scope = cursorScope({
    tenant: ctx.tenantId,
    actor: ctx.actorId,
    search: plan.query,
    entities: [...plan.entities].sort(),
    filters: plan.filters,
    pageSize,
    at: at.getTime(),
  });
  const page = await keysetPage(tx, {
    from: sql`from (${union}) hit where true`,
    select: sql`hit.entity, hit.id, hit.score, ${displaySql(ctx, plan.entities)} as display`,
    id: sql.ref('hit.id'),
    sort: { expression: sql`hit.score`, type: 'numeric' },
    descending: true,
    request: { page: plan.page.page, page_size: pageSize, cursor },
    cursorKey: ctx.cursorKey,
    scope,
    countInline: true,
  });
  const next = page.pagination.next_cursor;
  return {
    data: page.data.map((row) => toHit(row, tokens, variants)),
    pagination: { ...page.pagination, next_cursor: next && `${at.getTime().toString(36)}.${next}` },
  };
}

/**
 * One entity type's matches with their scores. The trigram part compares the query with the
 * title: the whole text would cost several times more per row for queries that match many.
 */
function sourceSql(
  entity: SearchEntity,
  ctx: RequestContext,
  plan: SearchPlan,
  tokens: readonly Token[],
  variants: ReadonlyMap<string, Variant[]>,
  groups: RawBuilder<unknown>,
  at: Date,
): RawBuilder<unknown> {
  const source = SEARCH_SOURCES[entity];
  const { likes, regexes, relevance } = matchSql(source, tokens, variants, plan.query);
  const w = weightsFor(entity, plan.weights);
  const filters = Object.entries(plan.filters[entity] ?? {})
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => {
      const filter = source.filters[name] as ((value: unknown) => RawBuilder<unknown>) | undefined;
      if (!filter) {
        throw new AppError('VALIDATION_ERROR', { message: `Unknown filter ${name} for ${entity}` });
      }
      return sql`and ${filter(value)}`;
    });
  const score = sql`round((
      ${sql.lit(w.text)} * ${relevance}
    + ${sql.lit(w.trigram)} * word_similarity(${plan.query.toLowerCase()}, lower(${source.title}))
    + ${sql.lit(w.recency)} * ${recencySql(source.ranking.updatedAt, at)}
    + ${sql.lit(w.activity)} * ${activitySql(source.ranking, at)}
    + ${sql.lit(w.ownership)} * ${ownershipSql(source.ranking, ctx.actorId)})::numeric, 6)`;
  return sql`(select ${sql.lit(entity)}::text as entity, r.id, ${score} as score
    from search_candidates(${source.table}, ${likes}::text[], ${regexes}::text[], ${groups}) c
    join ${sql.table(source.table)} r on r.tenant_id = ${ctx.tenantId} and r.id = c.id
    where r.deleted_at is null ${sql.join(filters, sql` `)})`;
}

/**
 * What a hit shows, read by key for the rows of the page only: PostgreSQL evaluates a costly
 * select item (a subquery) after the sort and limit, so a query that matches 100,000 records
 * builds 26 of these, not 100,000.
 */
function displaySql(ctx: RequestContext, entities: readonly SearchEntity[]): RawBuilder<unknown> {
  const branches = entities.map((entity) => {
    const source = SEARCH_SOURCES[entity];
    const body = source.body ? sql`left(${source.body}, 2000)` : sql`null`;
    return sql`when ${sql.lit(entity)} then (
      select jsonb_build_object('title', ${source.title}, 'subtitle', ${source.subtitle},
                                'body', ${body}, 'metadata', ${source.metadata})
      from ${sql.table(source.table)} r where r.tenant_id = ${ctx.tenantId} and r.id = hit.id)`;
  });
  return sql`case hit.entity ${sql.join(branches, sql` `)} end`;
}

/** `<time in base 36>.<keyset cursor>`; no cursor: a new walk, ranked as of now. */
function splitCursor(cursor: string | undefined): { at: Date; cursor: string | undefined } {
  if (!cursor) return { at: new Date(Math.floor(Date.now() / 1000) * 1000), cursor: undefined };
  const dot = cursor.indexOf('.');
  const at = dot > 0 ? parseInt(cursor.slice(0, dot), 36) : NaN;
  // A time with nothing after it would rank a first page at a time of the caller's choosing.
  if (!Number.isSafeInteger(at) || at <= 0 || dot === cursor.length - 1) {
    throw new AppError('VALIDATION_ERROR', {
      message: 'This cursor is not valid',
      details: { field: 'cursor' },
    });
  }
  return { at: new Date(at), cursor: cursor.slice(dot + 1) };
}

const SNIPPET_LENGTH = 160;

/** The body around the first query word found in it (or its start), on word boundaries. */
export function snippetOf(body: string | null, words: readonly string[]): string | null {
  if (!body) return null;
  const lower = body.toLowerCase();
  const found = words.map((word) => lower.indexOf(word)).filter((index) => index >= 0);
  const first = found.length > 0 ? Math.min(...found) : 0;
  let start = Math.max(0, first - SNIPPET_LENGTH / 3);
  if (start > 0) start = body.indexOf(' ', start) + 1 || start;
  const end = Math.min(body.length, start + SNIPPET_LENGTH);
  const cut = body.slice(start, end).trim();
  return `${start > 0 ? '…' : ''}${cut}${end < body.length ? '…' : ''}`;
}

function toHit(
  row: Record<string, unknown>,
  tokens: readonly Token[],
  variants: ReadonlyMap<string, Variant[]>,
): SearchHit {
  const words = tokens.flatMap((token) => [
    token.text,
    ...(variants.get(token.text) ?? []).map((v) => v.word),
  ]);
  const display = row.display as {
    title: string;
    subtitle: string;
    body: string | null;
    metadata: Record<string, unknown>;
  };
  return {
    entity: row.entity as SearchEntity,
    id: row.id as string,
    title: display.title,
    subtitle: display.subtitle,
    snippet: snippetOf(display.body, words),
    score: Number(row.score),
    metadata: display.metadata,
  };
}
