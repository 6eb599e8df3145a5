import { AppError } from '../../platform/errors.js';

/** SPEC §9: at most 500 characters are searched for; fewer than 2 is refused. */
export const MAX_QUERY_LENGTH = 500;
export const MIN_QUERY_LENGTH = 2;

/**
 * The query as it is searched for and cached: Unicode NFKC, control and invisible (format)
 * characters removed, whitespace collapsed, cut to 500 characters (code points, never half a
 * surrogate pair). Anything else, quotes and SQL included, is just text.
 */
export function normaliseQuery(raw: string): string {
  const text = raw
    .normalize('NFKC')
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, (c) => (/\s/.test(c) ? ' ' : ''))
    .replace(/[\p{Cf}\p{Cs}\p{Co}\p{Cn}]/gu, '')
    .replace(/\s+/gu, ' ')
    .trim();
  const cut = Array.from(text).slice(0, MAX_QUERY_LENGTH).join('').trim();
  if (Array.from(cut).length < MIN_QUERY_LENGTH) {
    throw new AppError('VALIDATION_ERROR', {
      message: `The query must have at least ${MIN_QUERY_LENGTH} characters`,
      details: { errors: [{ path: '/q', message: 'too short' }] },
    });
  }
  return cut;
}

/** How a query word is matched (SPEC §9). */
export type Token =
  /**
   * Has a digit or inner punctuation (`WO-000123`, `T00042`, `LON-HQ`): a code's prefix or the
   * exact text, never fuzzy.
   */
  | { kind: 'identifier'; text: string }
  /** Letters only, up to 3: exact (as a substring of the text). */
  | { kind: 'exact'; text: string }
  /**
   * Letters only, 4 or more: typos as typoBudget allows for the longer spelling, so `vave` (4)
   * finds `valve` (5, one typo) but `ruof` never finds `roof` (both 4: none).
   */
  | { kind: 'fuzzy'; text: string };

/** Words of fewer characters than this only count through similarity, not as conditions. */
const MIN_TOKEN_LENGTH = 2;
/** Conditions per query: the rest of a long query still counts through similarity. */
const MAX_TOKENS = 8;

/**
 * Typos a word may have: 1 from 5 characters, 2 from 9 (SPEC §9). Judged on the longer of the
 * two spellings, so a 9-letter word misspelled into 8 letters still allows its 2.
 */
export function typoBudget(length: number): 0 | 1 | 2 {
  if (length >= 9) return 2;
  if (length >= 5) return 1;
  return 0;
}

/** The words of a normalised query, lower-cased, each with how it may match. */
export function tokenize(query: string): Token[] {
  const words = query
    .toLowerCase()
    .split(/[^\p{L}\p{N}._/-]+/u)
    .map((word) => word.replace(/^[._/-]+|[._/-]+$/g, ''))
    .filter((word) => Array.from(word).length >= MIN_TOKEN_LENGTH);
  const tokens: Token[] = [];
  for (const word of new Set(words)) {
    // A digit or inner punctuation makes a number or a code (`T00042`, `LON-HQ`): never fuzzy.
    if (/[\p{N}._/-]/u.test(word)) {
      tokens.push({ kind: 'identifier', text: word });
      continue;
    }
    const length = Array.from(word).length;
    tokens.push({ kind: typoBudget(length + 1) === 0 ? 'exact' : 'fuzzy', text: word });
  }
  return tokens.slice(0, MAX_TOKENS);
}
