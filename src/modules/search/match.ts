import { sql, type RawBuilder } from 'kysely';
import { MAX_INDEXED_WORD } from '../../../migrations/0010_search_word_index.js';
import type { Tx } from '../../platform/db/transactions.js';
import { typoBudget, type Token } from './normalise-query.js';
import type { SearchSource } from './sources.js';
import { typoDistance } from './typos.js';

/** A lexicon word that a fuzzy query word may stand for, and how many typos apart they are. */
export interface Variant {
  word: string;
  typos: number;
}

/**
 * The lexicon words within each fuzzy word's typo budget (SPEC §9: 1 typo from 5 letters, 2
 * from 9): trigram candidates from the tenant's lexicon (GIN), then the exact typo distance.
 */
export async function expandTypos(
  tx: Tx,
  tokens: readonly Token[],
): Promise<Map<string, Variant[]>> {
  const fuzzy = tokens.filter((token) => token.kind === 'fuzzy');
  const variants = new Map<string, Variant[]>(fuzzy.map((token) => [token.text, []]));
  if (fuzzy.length === 0) return variants;
  // Migration 0005: the lexicon of the transaction's tenant, through its trigram index.
  const { rows } = await sql<{ token: string; word: string }>`
    select token, word from search_word_candidates(${fuzzy.map((token) => token.text)}::text[])`.execute(
    tx,
  );
  for (const { token, word } of rows) {
    if (word === token) continue;
    // A word's budget is set by the longer spelling: `thornbry` (8) may be `thornbury` (9).
    const budget = typoBudget(Math.max(token.length, word.length));
    const typos = typoDistance(token, word, budget);
    if (typos <= budget) variants.get(token)!.push({ word, typos });
  }
  return variants;
}

const likeEscape = (text: string) => text.replace(/[\\%_]/g, '\\$&');
const regexEscape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pattern = (words: string[]) => `(${words.map(regexEscape).join('|')})`;
/**
 * Words the word index finds: letters a–z, which every database splits into the same words
 * whatever its locale, and no longer than the index keeps.
 */
const INDEXED_WORD = new RegExp(`^[a-z]{1,${MAX_INDEXED_WORD}}$`);

/**
 * Whether a query word is found through the word index. Identifiers, words of 2–3 letters,
 * words longer than the index keeps and words with letters beyond a–z (which the database may
 * split into words differently) go through the trigram index.
 */
const byWords = (token: Token) => token.kind === 'fuzzy' && INDEXED_WORD.test(token.text);

const spellingsOf = (token: Token, variants: ReadonlyMap<string, Variant[]>) => [
  token.text,
  ...(variants.get(token.text) ?? []).map((v) => v.word),
];

/**
 * The query words found through the word index, as `search_word_groups` takes them: each
 * word's spellings (the word and its typo variants), space-separated. Every result meets each.
 */
export function wordGroups(
  tokens: readonly Token[],
  variants: ReadonlyMap<string, Variant[]>,
): string[] {
  return tokens.filter(byWords).map((token) => spellingsOf(token, variants).join(' '));
}

/**
 * A source's match for the query words, beside their word groups: the LIKE and
 * regular-expression patterns every result meets (found through the trigram index by
 * `search_candidates`), and each result's relevance.
 */
export function matchSql(
  source: SearchSource,
  tokens: readonly Token[],
  variants: ReadonlyMap<string, Variant[]>,
  query: string,
): { likes: string[]; regexes: string[]; relevance: RawBuilder<number> } {
  const { text } = source;
  const contains = (word: string) => `%${likeEscape(word)}%`;
  if (tokens.length === 0) {
    return { likes: [contains(query.toLowerCase())], regexes: [], relevance: sql<number>`1.0` };
  }
  const likes: string[] = [];
  const regexes: string[] = [];
  const parts: RawBuilder<unknown>[] = [];
  for (const token of tokens) {
    if (token.kind === 'identifier') {
      // Never by typo, and only where a word of the text starts with it (SPEC §9: exactly or by
      // prefix): the LIKE finds candidates through the trigram index, the regex anchors them.
      likes.push(contains(token.text));
      regexes.push(`\\m${regexEscape(token.text)}`);
      const columns = source.identifiers.map((column) => sql`lower(${sql.ref(`r.${column}`)})`);
      const prefix = `${likeEscape(token.text)}%`;
      parts.push(sql`case
        when ${sql.join(
          columns.map((c) => sql`${c} = ${token.text}`),
          sql` or `,
        )} then 1.0
        when ${sql.join(
          columns.map((c) => sql`${c} like ${prefix}`),
          sql` or `,
        )} then 0.9
        else 0.8 end`);
      continue;
    }
    const near = token.kind === 'fuzzy' ? (variants.get(token.text) ?? []) : [];
    if (!byWords(token)) {
      if (near.length === 0) likes.push(contains(token.text));
      else regexes.push(pattern(spellingsOf(token, variants)));
    }
    if (near.length === 0) {
      parts.push(sql`1.0`);
      continue;
    }
    const oneTypo = near.filter((v) => v.typos === 1).map((v) => v.word);
    parts.push(sql`case when ${text} like ${contains(token.text)} then 1.0
      ${oneTypo.length > 0 ? sql`when ${text} ~ ${pattern(oneTypo)} then 0.75` : sql``}
      else 0.5 end`);
  }
  return {
    likes,
    regexes,
    relevance: sql<number>`((${sql.join(parts, sql` + `)}) / ${sql.lit(parts.length)}.0)`,
  };
}
