import { sql, type Kysely } from 'kysely';

/**
 * The append-only trigger lets through what the retention purge deletes, and nothing else
 * (SPEC §7): under `app.audit_purge`, an entry only once its `retention_until` has passed and its
 * tenant is not on legal hold, and a detail row only with its entry (the cascade, which runs after
 * the entry is gone). Before, the setting let any DELETE through.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function audit_reject_change() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' and current_setting('app.audit_purge', true) = 'on' then
        if tg_table_name = 'audit_entries' then
          if old.retention_until < now() and not exists (
            select 1 from tenants where id = old.tenant_id and legal_hold
          ) then
            return old;
          end if;
        elsif not exists (
          select 1 from audit_entries where tenant_id = old.tenant_id and id = old.audit_id
        ) then
          return old;
        end if;
      end if;
      raise exception 'audit entries are append-only: % on % is not allowed', tg_op, tg_table_name
        using errcode = 'insufficient_privilege';
    end $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function audit_reject_change() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' and current_setting('app.audit_purge', true) = 'on' then
        return old;
      end if;
      raise exception 'audit entries are append-only: % on % is not allowed', tg_op, tg_table_name
        using errcode = 'insufficient_privilege';
    end $$`.execute(db);
}
