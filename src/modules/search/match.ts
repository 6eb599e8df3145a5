import { sql, type RawBuilder } from 'kysely';
import type { Tx } from '../../platform/db/transactions.js';
import type { Token } from './normalise-query.js';
import type { SearchSource } from './sources.js';
import { typoDistance } from './typos.js';

/** A lexicon word that a fuzzy query word may stand for, and how many typos apart they are. */
export interface Variant {
  word: string;
  typos: number;
}

/**
 * Loose enough for a 9-letter word with two swapped pairs (about 0.11); the typo distance then
 * keeps only real neighbours.
 */
const CANDIDATE_SIMILARITY = 0.1;

/**
 * The lexicon words within each fuzzy word's typo budget (SPEC §9: 1 typo from 5 letters, 2
 * from 9): trigram candidates from the tenant's lexicon (GIN), then the exact typo distance.
 */
export async function expandTypos(
  tx: Tx,
  tenantId: string,
  tokens: readonly Token[],
): Promise<Map<string, Variant[]>> {
  const fuzzy = tokens.filter((token) => token.kind === 'fuzzy');
  const variants = new Map<string, Variant[]>(fuzzy.map((token) => [token.text, []]));
  if (fuzzy.length === 0) return variants;
  await sql`select set_config('pg_trgm.similarity_threshold', ${String(CANDIDATE_SIMILARITY)}, true)`.execute(
    tx,
  );
  const { rows } = await sql<{ token: string; word: string }>`
    select q.token, w.word
    from unnest(${fuzzy.map((token) => token.text)}::text[]) q(token)
    join search_words w on w.tenant_id = ${tenantId} and w.word % q.token
      and length(w.word) between length(q.token) - 2 and length(q.token) + 2`.execute(tx);
  for (const { token, word } of rows) {
    const budget = fuzzy.find((candidate) => candidate.text === token)!;
    if (budget.kind !== 'fuzzy' || word === token) continue;
    const typos = typoDistance(token, word, budget.maxTypos);
    if (typos <= budget.maxTypos) variants.get(token)!.push({ word, typos });
  }
  return variants;
}

const likeEscape = (text: string) => text.replace(/[\\%_]/g, '\\$&');
const regexEscape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A source's match for the query words: the condition every result meets, and its relevance. */
export function matchSql(
  source: SearchSource,
  tokens: readonly Token[],
  variants: ReadonlyMap<string, Variant[]>,
  query: string,
): { condition: RawBuilder<boolean>; relevance: RawBuilder<number> } {
  const { text } = source;
  if (tokens.length === 0) {
    return {
      condition: sql<boolean>`${text} like ${`%${likeEscape(query.toLowerCase())}%`}`,
      relevance: sql<number>`1.0`,
    };
  }
  const conditions: RawBuilder<unknown>[] = [];
  const parts: RawBuilder<unknown>[] = [];
  for (const token of tokens) {
    const contains = sql`${text} like ${`%${likeEscape(token.text)}%`}`;
    if (token.kind === 'identifier') {
      // Never by typo: the identifier as it is, inside the text or at the start of a code.
      conditions.push(contains);
      const columns = source.identifiers.map((column) => sql`lower(${sql.ref(`r.${column}`)})`);
      parts.push(sql`case
        when ${sql.join(
          columns.map((c) => sql`${c} = ${token.text}`),
          sql` or `,
        )} then 1.0
        when ${sql.join(
          columns.map((c) => sql`${c} like ${`${likeEscape(token.text)}%`}`),
          sql` or `,
        )} then 0.9
        else 0.8 end`);
      continue;
    }
    const near = token.kind === 'fuzzy' ? (variants.get(token.text) ?? []) : [];
    if (near.length === 0) {
      conditions.push(contains);
      parts.push(sql`1.0`);
      continue;
    }
    const pattern = (words: string[]) => `(${words.map(regexEscape).join('|')})`;
    conditions.push(sql`${text} ~ ${pattern([token.text, ...near.map((v) => v.word)])}`);
    const oneTypo = near.filter((v) => v.typos === 1).map((v) => v.word);
    parts.push(sql`case when ${contains} then 1.0
      ${oneTypo.length > 0 ? sql`when ${text} ~ ${pattern(oneTypo)} then 0.75` : sql``}
      else 0.5 end`);
  }
  return {
    condition: sql<boolean>`(${sql.join(conditions, sql` and `)})`,
    relevance: sql<number>`((${sql.join(parts, sql` + `)}) / ${sql.lit(parts.length)}.0)`,
  };
}
