import { sql, type Kysely } from 'kysely';

/**
 * Tamper evidence (SPEC §7, ADR 0011): hash-chained seals over each tenant's audit entries.
 * `audit_seals` holds one row per batch, `audit_seal_entries` the hash each entry had when it was
 * sealed (and its retention, so a purged entry is told from a deleted one). Both are append-only
 * for everyone and never purged: they carry ids, hashes and times, no personal data. The sealer
 * writes them as the owner; tenant transactions may only read them.
 */
const SEAL_TABLES = ['audit_seals', 'audit_seal_entries'];

export async function up(db: Kysely<unknown>): Promise<void> {
  // audit_reject_change() lets the retention purge delete; seals must outlive the purge, so
  // their trigger refuses every change whatever the transaction has set.
  await sql`
    create function audit_seal_reject_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit seals are append-only: % on % is not allowed', tg_op, tg_table_name
        using errcode = 'insufficient_privilege';
    end $$`.execute(db);
  await sql`
    create table audit_seals (
      tenant_id uuid not null references tenants (id),
      seq bigint not null check (seq >= 1),
      -- The entries of the seal are exactly those with created_at in [from, to).
      from_created_at timestamptz not null,
      to_created_at timestamptz not null,
      entry_count integer not null check (entry_count >= 1),
      batch_hash bytea not null,
      previous_hash bytea not null,
      chain_hash bytea not null,
      sealed_at timestamptz not null default now(),
      primary key (tenant_id, seq),
      check (from_created_at < to_created_at)
    )`.execute(db);
  await sql`
    create table audit_seal_entries (
      tenant_id uuid not null,
      seq bigint not null,
      entry_id uuid not null,
      entry_hash bytea not null,
      retention_until timestamptz not null,
      primary key (tenant_id, entry_id),
      foreign key (tenant_id, seq) references audit_seals (tenant_id, seq)
    )`.execute(db);
  await sql`create index audit_seal_entries_seq on audit_seal_entries (tenant_id, seq)`.execute(db);

  for (const table of SEAL_TABLES) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (tenant_id = app_current_tenant())
      with check (tenant_id = app_current_tenant())`.execute(db);
    await sql`grant select on ${sql.table(table)} to facilityflow_app`.execute(db);
    await sql`
      create trigger append_only before update or delete on ${sql.table(table)}
      for each row execute function audit_seal_reject_change()`.execute(db);
    await sql`
      create trigger append_only_truncate before truncate on ${sql.table(table)}
      for each statement execute function audit_seal_reject_change()`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [...SEAL_TABLES].reverse()) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
  await sql`drop function if exists audit_seal_reject_change()`.execute(db);
}
