import { sql, type Kysely, type RawBuilder } from 'kysely';
import {
  createSearchCandidates,
  PATTERN_CONDITIONS,
  SEARCH_TEXT,
  tableCases,
  WORD_SEPARATOR,
} from './0005_search.js';

/**
 * Whole-word search (ADR 0008): a GIN index on the words of each searchable record's text, split
 * exactly as the lexicon splits them, so a query word with its typo variants is found by its
 * words' keys instead of by scanning the trigram index for every trigram of every variant.
 * `search_candidates` takes the word groups as a fourth argument, `search_word_groups` makes them.
 */

/**
 * The longest word the word index keeps, as the lexicon (migration 0005). An index entry may not
 * exceed about 2.7 kB, and a description may be one unbroken run of letters: longer words are
 * left out, and a query word this long is matched through the trigram index.
 */
export const MAX_INDEXED_WORD = 40;

/**
 * The words of a table's search text over the row `r`, split as the lexicon's triggers split
 * them (on anything but a letter), without words longer than MAX_INDEXED_WORD.
 */
export const SEARCH_WORDS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SEARCH_TEXT).map(([table, text]) => [
    table,
    `regexp_split_to_array(regexp_replace(${text}, '[[:alpha:]]{${MAX_INDEXED_WORD + 1},}', ' ', 'g'), '${WORD_SEPARATOR}')`,
  ]),
);

const wordsOf = (table: string): RawBuilder<unknown> =>
  sql.raw(SEARCH_WORDS[table]!.replaceAll('r.', ''));

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of Object.keys(SEARCH_WORDS)) {
    await sql`create index ${sql.id(`${table}_search_word_array`)} on ${sql.table(table)}
      using gin ((${wordsOf(table)}))`.execute(db);
  }
  await sql`drop function search_candidates(text, text[], text[])`.execute(db);
  // Each element of p_words is one query word's group of words, space-separated (from
  // search_word_groups): a record matches the group when one of its words is in it.
  await sql`
    create function search_candidates(
      p_table text, p_like text[], p_regex text[], p_words text[] default '{}')
    returns table (id uuid) language plpgsql stable security definer
    -- Few rows as a rule: the planner then reads the records by key, not by scanning them all.
    rows 50 set search_path = public, pg_temp as $$
    declare
      expression text;
      words_expression text;
      conditions text := '';
    begin
      expression := case p_table ${tableCases(SEARCH_TEXT)} end;
      words_expression := case p_table ${tableCases(SEARCH_WORDS)} end;
      if expression is null then
        raise exception 'not a searchable table: %', p_table;
      end if;
      ${PATTERN_CONDITIONS}
      for i in 1 .. coalesce(array_length(p_words, 1), 0) loop
        conditions := conditions
          || format(' and %s && string_to_array($3[%s], '' '')', words_expression, i);
      end loop;
      return query execute format(
        'select r.id from %I r where r.tenant_id = app_current_tenant() and r.deleted_at is null %s',
        p_table, conditions) using p_like, p_regex, p_words;
    end $$`.execute(db);
  // A query word's group: its spellings (the word and its typo variants, space-separated) and
  // the words of the tenant's lexicon (every word of 5 to 40 letters) that contain one, so a
  // record whose word contains a spelling is found by that word's key. Once per search, for
  // every table searched.
  await sql`
    create function search_word_groups(p_spellings text[]) returns text[]
    language plpgsql stable security definer set search_path = public, pg_temp as $$
    declare
      spellings text[];
      groups text[] := '{}';
    begin
      for i in 1 .. coalesce(array_length(p_spellings, 1), 0) loop
        spellings := string_to_array(p_spellings[i], ' ');
        groups := groups || array_to_string(array(
          select s from unnest(spellings) s
          union
          select w.word from search_words w
          where w.tenant_id = app_current_tenant()
            and w.word like any (array(select '%' || s || '%' from unnest(spellings) s))), ' ');
      end loop;
      return groups;
    end $$`.execute(db);
  await sql`revoke all on function search_candidates(text, text[], text[], text[]) from public`.execute(
    db,
  );
  await sql`grant execute on function search_candidates(text, text[], text[], text[]) to facilityflow_app`.execute(
    db,
  );
  await sql`revoke all on function search_word_groups(text[]) from public`.execute(db);
  await sql`grant execute on function search_word_groups(text[]) to facilityflow_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function search_word_groups(text[])`.execute(db);
  await sql`drop function search_candidates(text, text[], text[], text[])`.execute(db);
  for (const table of Object.keys(SEARCH_WORDS)) {
    await sql`drop index if exists ${sql.id(`${table}_search_word_array`)}`.execute(db);
  }
  await createSearchCandidates(db);
}
