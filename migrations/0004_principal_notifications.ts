import { sql, type Kysely } from 'kysely';

/** The channel on which a tenant's id is announced when what its tokens resolve to changes. */
export const PRINCIPALS_CHANNEL = 'facilityflow_principals';

/**
 * Each table a token's principal is read from, its column holding the tenant id, and the changes
 * that can alter a principal already resolved (a new token or person alters none; a new role
 * grant does).
 */
const SOURCES = [
  ['tenants', 'id', sql`update or delete`],
  ['people', 'tenant_id', sql`update or delete`],
  ['roles', 'tenant_id', sql`update or delete`],
  ['person_roles', 'tenant_id', sql`insert or update or delete`],
  ['api_tokens', 'tenant_id', sql`update or delete`],
] as const;

/**
 * Every change to a token, a person, their roles, a role's permissions or the tenant's settings
 * announces the tenant on PRINCIPALS_CHANNEL when its transaction commits, whatever wrote it, so
 * every server process drops the principals it cached for that tenant (ADR 0007). NOTIFY
 * delivers only on commit, and once per tenant per transaction.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function notify_principals_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify(${sql.lit(PRINCIPALS_CHANNEL)},
        to_jsonb(coalesce(new, old)) ->> tg_argv[0]);
      return null;
    end $$`.execute(db);
  for (const [table, column, events] of SOURCES) {
    await sql`
      create trigger principals_changed after ${events} on ${sql.table(table)}
      for each row execute function notify_principals_changed(${sql.lit(column)})`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [table] of SOURCES) {
    await sql`drop trigger if exists principals_changed on ${sql.table(table)}`.execute(db);
  }
  await sql`drop function if exists notify_principals_changed()`.execute(db);
}
