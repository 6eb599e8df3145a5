import { sql, type Kysely, type RawBuilder } from 'kysely';
import { up as createTokenLookup } from './0003_token_lookup.js';

/**
 * Search (SPEC §9): a trigram GIN index on each searchable record's text, a per-tenant lexicon of
 * the words in that text (where typo candidates are looked up), saved searches, search
 * analytics, and the tenant's plan and rate-limit overrides.
 */

/**
 * The text search matches, per table, as an expression of the row `r`. The index is on exactly
 * this expression; `src/modules/search/sources.ts` repeats it and a test checks they agree.
 */
export const SEARCH_TEXT: Readonly<Record<string, string>> = {
  work_orders: `lower(r.number || ' ' || r.title || ' ' || coalesce(r.description, ''))`,
  tasks: `lower(r.number || ' ' || r.title || ' ' || coalesce(r.description, ''))`,
  tickets: `lower(r.number || ' ' || r.title || ' ' || coalesce(r.description, '') || ' ' || coalesce(r.category, ''))`,
  people: `lower(r.login || ' ' || r.name)`,
  sites: `lower(r.code || ' ' || r.name)`,
  assets: `lower(r.code || ' ' || r.name || ' ' || coalesce(r.category, ''))`,
  vendors: `lower(r.code || ' ' || r.name)`,
};

/** What separates the words of a search text: the lexicon's and the word index's (0010). */
export const WORD_SEPARATOR = '[^[:alpha:]]+';

/** Words shorter than this are matched exactly, so the lexicon does not keep them. */
const MIN_FUZZY_WORD = 5;
const MAX_WORD = 40;

const NEW_TABLES = ['search_words', 'saved_searches', 'search_events'];

/** A table's search text over another alias (a transition table), or over bare columns. */
const textOf = (table: string, alias: string | null): RawBuilder<unknown> =>
  sql.raw(SEARCH_TEXT[table]!.replaceAll('r.', alias ? `${alias}.` : ''));

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table tenants
      add column plan text not null default 'standard' check (plan in ('standard', 'premium')),
      add column rate_limits jsonb not null default '{}'`.execute(db);
  await replaceTokenLookup(db);

  for (const table of Object.keys(SEARCH_TEXT)) {
    await sql`create index ${sql.id(`${table}_search_text`)} on ${sql.table(table)}
      using gin ((${textOf(table, null)}) gin_trgm_ops)`.execute(db);
  }

  await sql`
    create table search_words (
      tenant_id uuid not null references tenants (id),
      word text not null,
      primary key (tenant_id, word)
    )`.execute(db);
  await sql`create index search_words_trgm on search_words using gin (word gin_trgm_ops)`.execute(
    db,
  );
  // The lexicon follows every insert and every change of searchable text, set-based: one
  // statement per writing statement, whatever its number of rows. Words go in sorted, so two
  // transactions adding the same new words wait for each other in one order, never in a cycle.
  for (const table of Object.keys(SEARCH_TEXT)) {
    const words = (alias: string) =>
      sql`regexp_split_to_table(${textOf(table, alias)}, ${sql.lit(WORD_SEPARATOR)})`;
    await sql`
      create function ${sql.id(`${table}_search_words`)}() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          insert into search_words (tenant_id, word)
          select distinct n.tenant_id, w from new_rows n, ${words('n')} w
          where length(w) between ${sql.lit(MIN_FUZZY_WORD)} and ${sql.lit(MAX_WORD)}
          order by 1, 2 on conflict do nothing;
        else
          insert into search_words (tenant_id, word)
          select distinct n.tenant_id, w
          from new_rows n join old_rows o on o.tenant_id = n.tenant_id and o.id = n.id,
               ${words('n')} w
          where ${textOf(table, 'n')} is distinct from ${textOf(table, 'o')}
            and length(w) between ${sql.lit(MIN_FUZZY_WORD)} and ${sql.lit(MAX_WORD)}
          order by 1, 2 on conflict do nothing;
        end if;
        return null;
      end $$`.execute(db);
    await sql`
      create trigger search_words_insert after insert on ${sql.table(table)}
      referencing new table as new_rows
      for each statement execute function ${sql.id(`${table}_search_words`)}()`.execute(db);
    await sql`
      create trigger search_words_update after update on ${sql.table(table)}
      referencing old table as old_rows new table as new_rows
      for each statement execute function ${sql.id(`${table}_search_words`)}()`.execute(db);
    // Rows that exist already.
    await sql`
      insert into search_words (tenant_id, word)
      select distinct r.tenant_id, w from ${sql.table(table)} r,
        regexp_split_to_table(${textOf(table, 'r')}, ${sql.lit(WORD_SEPARATOR)}) w
      where length(w) between ${sql.lit(MIN_FUZZY_WORD)} and ${sql.lit(MAX_WORD)}
      on conflict do nothing`.execute(db);
  }

  await createSearchCandidates(db);
  await sql`
    create function search_word_candidates(p_words text[])
    returns table (token text, word text) language sql stable security definer rows 20
    set search_path = public, pg_temp set pg_trgm.similarity_threshold = 0.1 as $$
      select q.token, w.word
      from unnest(p_words) q(token)
      join search_words w on w.tenant_id = app_current_tenant() and w.word % q.token
        and length(w.word) between length(q.token) - 2 and length(q.token) + 2
    $$`.execute(db);
  await sql`revoke all on function search_word_candidates(text[]) from public`.execute(db);
  await sql`grant execute on function search_word_candidates(text[]) to facilityflow_app`.execute(
    db,
  );

  await sql`
    create table saved_searches (
      tenant_id uuid not null references tenants (id),
      id uuid not null default gen_random_uuid(),
      person_id uuid not null,
      name text not null check (length(name) between 1 and 100),
      query text not null,
      entities text[] not null,
      filters jsonb not null default '{}',
      created_at timestamptz not null default now(),
      primary key (tenant_id, id),
      constraint saved_searches_unique_name unique (tenant_id, person_id, name),
      foreign key (tenant_id, person_id) references people (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`create index saved_searches_person on saved_searches (tenant_id, person_id, created_at, id)`.execute(
    db,
  );

  await sql`
    create table search_events (
      tenant_id uuid not null references tenants (id),
      id uuid not null default gen_random_uuid(),
      actor_id uuid,
      query text not null,
      entities text[] not null,
      result_count integer not null,
      latency_ms real not null,
      from_cache boolean not null,
      created_at timestamptz not null default now(),
      primary key (tenant_id, id)
    )`.execute(db);
  await sql`create index search_events_created on search_events (tenant_id, created_at)`.execute(
    db,
  );

  for (const table of NEW_TABLES) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (tenant_id = app_current_tenant())
      with check (tenant_id = app_current_tenant())`.execute(db);
  }
  await sql`grant select, insert on search_words to facilityflow_app`.execute(db);
  await sql`grant select, insert, delete on saved_searches to facilityflow_app`.execute(db);
  await sql`grant select, insert on search_events to facilityflow_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function if exists search_candidates(text, text[], text[])`.execute(db);
  await sql`drop function if exists search_word_candidates(text[])`.execute(db);
  for (const table of Object.keys(SEARCH_TEXT)) {
    await sql`drop trigger if exists search_words_insert on ${sql.table(table)}`.execute(db);
    await sql`drop trigger if exists search_words_update on ${sql.table(table)}`.execute(db);
    await sql`drop function if exists ${sql.id(`${table}_search_words`)}()`.execute(db);
    await sql`drop index if exists ${sql.id(`${table}_search_text`)}`.execute(db);
  }
  for (const table of [...NEW_TABLES].reverse()) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
  await sql`drop function if exists authenticate_token(uuid, text)`.execute(db);
  await createTokenLookup(db);
  await sql`alter table tenants drop column if exists plan, drop column if exists rate_limits`.execute(
    db,
  );
}

/**
 * The token lookup of migration 0003, also returning the tenant's plan and rate-limit overrides:
 * a request has them with its principal, and a change reaches every process with the principal
 * cache's invalidation (ADR 0007). Its result columns change, so it is dropped and created.
 */
async function replaceTokenLookup(db: Kysely<unknown>): Promise<void> {
  await sql`drop function authenticate_token(uuid, text)`.execute(db);
  await sql`
    create function authenticate_token(p_tenant uuid, p_token_hash text)
    returns table (
      token_id uuid,
      token_expires_at timestamptz,
      person_id uuid,
      retention_days integer,
      require_if_match boolean,
      pii_keys text[],
      permissions text[],
      plan text,
      rate_limits jsonb
    )
    language plpgsql volatile as $$
    begin
      perform set_config('app.tenant_id', p_tenant::text, true),
              set_config('role', 'facilityflow_app', true);
      return query
        select t.id, t.expires_at, p.id, tn.retention_days, tn.require_if_match, tn.pii_keys,
          array(
            select distinct permission from person_roles pr
            join roles r on r.tenant_id = pr.tenant_id and r.id = pr.role_id
            cross join unnest(r.permissions) as permission
            where pr.tenant_id = p.tenant_id and pr.person_id = p.id
          ),
          tn.plan, tn.rate_limits
        from api_tokens t
        join people p on p.tenant_id = t.tenant_id and p.id = t.person_id
        join tenants tn on tn.id = t.tenant_id
        where t.tenant_id = p_tenant and t.token_hash = p_token_hash
          and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())
          and p.deleted_at is null and p.is_active;
    end $$`.execute(db);
}

/** A plpgsql CASE's branches: each table's expression, as text, by the table's name. */
export const tableCases = (expressions: Readonly<Record<string, string>>): RawBuilder<unknown> =>
  sql.join(
    Object.keys(expressions).map(
      (table) => sql`when ${sql.lit(table)} then ${sql.lit(expressions[table]!)}`,
    ),
    sql` `,
  );

/**
 * `search_candidates`' conditions for its LIKE ($1) and regular-expression ($2) patterns on the
 * search text (`expression`), appended to `conditions` (migration 0010 keeps them).
 */
export const PATTERN_CONDITIONS = sql.raw(`
      for i in 1 .. coalesce(array_length(p_like, 1), 0) loop
        conditions := conditions || format(' and %s like $1[%s]', expression, i);
      end loop;
      for i in 1 .. coalesce(array_length(p_regex, 1), 0) loop
        conditions := conditions || format(' and %s ~ $2[%s]', expression, i);
      end loop;`);

/**
 * Under row-level security PostgreSQL may not use an index for operators that are not leakproof
 * (LIKE, ~, %), so a search would scan every row. `search_candidates`, like the lexicon's
 * `search_word_candidates`, finds candidates through the trigram indexes as the owner, for the
 * transaction's own tenant (app_current_tenant(), never a parameter); results are then read
 * under RLS by id. Migration 0010 replaces it, and restores this one on the way down.
 */
export async function createSearchCandidates(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function search_candidates(p_table text, p_like text[], p_regex text[])
    returns table (id uuid) language plpgsql stable security definer
    -- Few rows as a rule: the planner then reads the records by key, not by scanning them all.
    rows 50 set search_path = public, pg_temp as $$
    declare
      expression text;
      conditions text := '';
    begin
      expression := case p_table ${tableCases(SEARCH_TEXT)} end;
      if expression is null then
        raise exception 'not a searchable table: %', p_table;
      end if;
      ${PATTERN_CONDITIONS}
      return query execute format(
        'select r.id from %I r where r.tenant_id = app_current_tenant() and r.deleted_at is null %s',
        p_table, conditions) using p_like, p_regex;
    end $$`.execute(db);
  await sql`revoke all on function search_candidates(text, text[], text[]) from public`.execute(db);
  await sql`grant execute on function search_candidates(text, text[], text[]) to facilityflow_app`.execute(
    db,
  );
}
