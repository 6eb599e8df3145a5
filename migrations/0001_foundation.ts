import { sql, type Kysely } from 'kysely';

/**
 * Tenants, identity, sites and the audit core.
 *
 * Tenant isolation: every tenant table has `tenant_id` leading its primary key, unique constraints and
 * foreign keys (so it can be distributed by tenant), and a row-level-security policy. Request
 * transactions switch to the role `facilityflow_app`, which RLS applies to; the connecting role owns
 * the tables and is used only by migrations and the explicitly named platform paths.
 *
 * Unique constraints are named `<table>_unique_<field>`: a clash is reported with its field.
 */

const TENANT_TABLES = ['sites', 'people', 'roles', 'person_roles', 'api_tokens'];
/** The detail object of an entry had a table of its own until migration 0011. */
const AUDIT_DETAIL_TABLES = [
  'audit_state_transitions',
  'audit_bulk_operations',
  'audit_permission_denials',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`
    do $$ begin
      if not exists (select 1 from pg_roles where rolname = 'facilityflow_app') then
        create role facilityflow_app nologin;
      end if;
      -- A superuser may switch to any role; anyone else needs the grant (PostgreSQL 16 gives a
      -- role's creator only ADMIN on it, which does not allow SET ROLE).
      if not (select rolsuper from pg_roles where rolname = current_user) then
        execute format('grant facilityflow_app to %I', current_user);
      end if;
    end $$`.execute(db);
  await sql`grant usage on schema public to facilityflow_app`.execute(db);

  await sql`
    create function app_current_tenant() returns uuid language sql stable as $$
      select nullif(current_setting('app.tenant_id', true), '')::uuid
    $$`.execute(db);

  await sql`
    create table tenants (
      id uuid primary key,
      name text not null check (length(name) between 1 and 200),
      slug text not null constraint tenants_unique_slug unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
      retention_days integer not null default 90 check (retention_days between 1 and 36500),
      payroll_grace_days integer not null default 3 check (payroll_grace_days between 0 and 31),
      require_if_match boolean not null default false,
      legal_hold boolean not null default false,
      pii_keys text[] not null default '{}',
      version integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table sites (
      tenant_id uuid not null references tenants (id),
      id uuid not null default gen_random_uuid(),
      code text not null,
      name text not null,
      timezone text not null default 'UTC',
      geofence jsonb,
      shift_start text,
      shift_end text,
      version integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid,
      updated_by uuid,
      deleted_at timestamptz,
      primary key (tenant_id, id)
    )`.execute(db);
  await sql`create unique index sites_unique_code on sites (tenant_id, code) where deleted_at is null`.execute(
    db,
  );

  await sql`
    create table people (
      tenant_id uuid not null references tenants (id),
      id uuid not null default gen_random_uuid(),
      login text not null,
      name text not null,
      email text,
      phone text,
      site_id uuid,
      is_active boolean not null default true,
      version integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid,
      updated_by uuid,
      deleted_at timestamptz,
      primary key (tenant_id, id),
      foreign key (tenant_id, site_id) references sites (tenant_id, id)
    )`.execute(db);
  await sql`create unique index people_unique_login on people (tenant_id, lower(login))
    where deleted_at is null`.execute(db);

  await sql`
    create table roles (
      tenant_id uuid not null references tenants (id),
      id uuid not null default gen_random_uuid(),
      name text not null,
      description text,
      permissions text[] not null default '{}',
      version integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid,
      updated_by uuid,
      primary key (tenant_id, id),
      constraint roles_unique_name unique (tenant_id, name)
    )`.execute(db);

  await sql`
    create table person_roles (
      tenant_id uuid not null,
      person_id uuid not null,
      role_id uuid not null,
      primary key (tenant_id, person_id, role_id),
      foreign key (tenant_id, person_id) references people (tenant_id, id) on delete cascade,
      foreign key (tenant_id, role_id) references roles (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`create index person_roles_role on person_roles (tenant_id, role_id)`.execute(db);

  await sql`
    create table api_tokens (
      tenant_id uuid not null,
      id uuid not null default gen_random_uuid(),
      person_id uuid not null,
      name text not null,
      token_hash text not null,
      expires_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz not null default now(),
      created_by uuid,
      primary key (tenant_id, id),
      constraint api_tokens_unique_token_hash unique (tenant_id, token_hash),
      foreign key (tenant_id, person_id) references people (tenant_id, id)
    )`.execute(db);

  await sql`
    create table audit_entries (
      tenant_id uuid not null references tenants (id),
      id uuid not null default gen_random_uuid(),
      correlation_id uuid not null,
      event_type text not null check (event_type in
        ('CREATED', 'UPDATED', 'DELETED', 'STATE_CHANGED', 'BULK_OPERATION', 'PERMISSION_DENIED')),
      entity_type text not null,
      entity_id uuid,
      actor_id uuid,
      changes jsonb,
      metadata jsonb not null default '{}',
      ip_address text,
      user_agent text,
      security_flags text[] not null default '{}',
      created_at timestamptz not null default now(),
      retention_until timestamptz not null,
      primary key (tenant_id, id)
    )`.execute(db);
  await sql`create index audit_entries_entity on audit_entries (tenant_id, entity_type, entity_id, created_at)`.execute(
    db,
  );
  await sql`create index audit_entries_correlation on audit_entries (tenant_id, correlation_id)`.execute(
    db,
  );
  await sql`create index audit_entries_created on audit_entries (tenant_id, created_at, id)`.execute(
    db,
  );
  await sql`create index audit_entries_retention on audit_entries (retention_until)`.execute(db);
  await sql`
    create index audit_entries_denials on audit_entries (tenant_id, actor_id, created_at)
    where event_type = 'PERMISSION_DENIED'`.execute(db);

  // Append-only: only the retention purge, which sets app.audit_purge for its own transaction,
  // may delete; nothing may update or truncate.
  await sql`
    create function audit_reject_change() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' and current_setting('app.audit_purge', true) = 'on' then
        return old;
      end if;
      raise exception 'audit entries are append-only: % on % is not allowed', tg_op, tg_table_name
        using errcode = 'insufficient_privilege';
    end $$`.execute(db);

  await sql`alter table tenants enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on tenants
    using (id = app_current_tenant()) with check (id = app_current_tenant())`.execute(db);
  await sql`grant select, insert, update on tenants to facilityflow_app`.execute(db);

  for (const table of TENANT_TABLES) {
    await isolateByTenant(db, table);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to facilityflow_app`.execute(
      db,
    );
  }
  await protectAuditTable(db, 'audit_entries');
  await createAuditDetailTables(db);
}

async function isolateByTenant(db: Kysely<unknown>, table: string): Promise<void> {
  await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on ${sql.table(table)}
    using (tenant_id = app_current_tenant())
    with check (tenant_id = app_current_tenant())`.execute(db);
}

/** Tenant-isolated, readable and insertable by requests, append-only. */
async function protectAuditTable(db: Kysely<unknown>, table: string): Promise<void> {
  await isolateByTenant(db, table);
  await sql`grant select, insert on ${sql.table(table)} to facilityflow_app`.execute(db);
  await sql`
    create trigger append_only before update or delete on ${sql.table(table)}
    for each row execute function audit_reject_change()`.execute(db);
  await sql`
    create trigger append_only_truncate before truncate on ${sql.table(table)}
    for each statement execute function audit_reject_change()`.execute(db);
}

/**
 * The detail tables as this migration made them: also what migration 0011's down restores once
 * it has the entries' detail columns to fill them from.
 */
export async function createAuditDetailTables(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table audit_state_transitions (
      tenant_id uuid not null,
      audit_id uuid not null,
      from_state text not null,
      to_state text not null,
      transition_reason text,
      transition_duration_seconds double precision,
      primary key (tenant_id, audit_id),
      foreign key (tenant_id, audit_id) references audit_entries (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create table audit_bulk_operations (
      tenant_id uuid not null,
      audit_id uuid not null,
      operation_type text not null,
      total_items integer not null,
      successful_items integer not null,
      failed_items integer not null,
      failure_details jsonb not null default '{}',
      execution_time_ms integer not null,
      was_rolled_back boolean not null,
      primary key (tenant_id, audit_id),
      foreign key (tenant_id, audit_id) references audit_entries (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create table audit_permission_denials (
      tenant_id uuid not null,
      audit_id uuid not null,
      required_permission text not null,
      action_attempted text not null,
      risk_level text not null check (risk_level in ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
      primary key (tenant_id, audit_id),
      foreign key (tenant_id, audit_id) references audit_entries (tenant_id, id) on delete cascade
    )`.execute(db);
  for (const table of AUDIT_DETAIL_TABLES) await protectAuditTable(db, table);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [...AUDIT_DETAIL_TABLES, 'audit_entries'].reverse()) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
  for (const table of [...TENANT_TABLES].reverse()) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
  await sql`drop table if exists tenants`.execute(db);
  await sql`drop function if exists audit_reject_change()`.execute(db);
  await sql`drop function if exists app_current_tenant()`.execute(db);
}
