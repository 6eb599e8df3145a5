import { sql, type Kysely } from 'kysely';

/**
 * The records of SPEC §4: vendors, assets, work orders with line items, task templates, tasks,
 * attendance and tickets, the per-tenant counters behind their numbers, and the secret that signs
 * pagination cursors. Same conventions as 0001: `tenant_id` leads every key, unique constraints are
 * named `<table>_unique_<field>`, and every tenant table has the tenant-isolation policy.
 */

export const RECORD_TABLES = [
  'tenant_counters',
  'vendors',
  'assets',
  'work_orders',
  'work_order_line_items',
  'task_templates',
  'tasks',
  'attendance_records',
  'tickets',
];

const PRIORITY = sql`priority text not null default 'MEDIUM'
  check (priority in ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL'))`;

/** The columns every versioned record has after its own. */
const COMMON = sql`
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  deleted_at timestamptz`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table platform_secrets (
      name text primary key,
      value text not null
    )`.execute(db);
  await sql`
    insert into platform_secrets (name, value)
    values ('cursor', encode(sha256((gen_random_uuid()::text || clock_timestamp()::text)::bytea), 'hex'))
  `.execute(db);

  // Numbers (WO-000001) come from here, taken in the creating transaction: a rolled-back
  // creation gives its number back, a committed one keeps it for good.
  await sql`
    create table tenant_counters (
      tenant_id uuid not null references tenants (id),
      name text not null,
      value bigint not null,
      primary key (tenant_id, name)
    )`.execute(db);

  await sql`
    create table vendors (
      tenant_id uuid not null references tenants (id),
      id uuid not null default gen_random_uuid(),
      code text not null,
      name text not null,
      email text,
      phone text,
      ${COMMON},
      primary key (tenant_id, id)
    )`.execute(db);
  await sql`create unique index vendors_unique_code on vendors (tenant_id, code)
    where deleted_at is null`.execute(db);

  await sql`
    create table assets (
      tenant_id uuid not null references tenants (id),
      id uuid not null default gen_random_uuid(),
      code text not null,
      name text not null,
      site_id uuid not null,
      category text,
      ${COMMON},
      primary key (tenant_id, id),
      foreign key (tenant_id, site_id) references sites (tenant_id, id)
    )`.execute(db);
  await sql`create unique index assets_unique_code on assets (tenant_id, code)
    where deleted_at is null`.execute(db);
  await sql`create index assets_site on assets (tenant_id, site_id)`.execute(db);

  await sql`
    create table work_orders (
      tenant_id uuid not null references tenants (id),
      id uuid not null default gen_random_uuid(),
      number text not null,
      title text not null,
      description text,
      site_id uuid not null,
      asset_id uuid,
      vendor_id uuid,
      assigned_to uuid,
      ${PRIORITY},
      status text not null default 'DRAFT' check (status in
        ('DRAFT', 'SUBMITTED', 'APPROVED', 'IN_PROGRESS', 'COMPLETED', 'CLOSED', 'CANCELLED')),
      planned_at timestamptz,
      due_at timestamptz,
      status_changed_at timestamptz not null default now(),
      ${COMMON},
      primary key (tenant_id, id),
      constraint work_orders_unique_number unique (tenant_id, number),
      constraint work_orders_check_due_at check (due_at >= planned_at),
      foreign key (tenant_id, site_id) references sites (tenant_id, id),
      foreign key (tenant_id, asset_id) references assets (tenant_id, id),
      foreign key (tenant_id, vendor_id) references vendors (tenant_id, id),
      foreign key (tenant_id, assigned_to) references people (tenant_id, id)
    )`.execute(db);

  await sql`
    create table work_order_line_items (
      tenant_id uuid not null,
      id uuid not null default gen_random_uuid(),
      work_order_id uuid not null,
      seq integer not null check (seq between 1 and 10000),
      description text not null,
      mandatory boolean not null default false,
      answer text,
      done boolean not null default false,
      ${COMMON},
      primary key (tenant_id, id),
      foreign key (tenant_id, work_order_id) references work_orders (tenant_id, id)
    )`.execute(db);
  await sql`create unique index work_order_line_items_unique_seq
    on work_order_line_items (tenant_id, work_order_id, seq) where deleted_at is null`.execute(db);

  await sql`
    create table task_templates (
      tenant_id uuid not null references tenants (id),
      id uuid not null default gen_random_uuid(),
      name text not null,
      description text,
      site_id uuid,
      requires_observation boolean not null default false,
      requires_meter_reading boolean not null default false,
      requires_photo boolean not null default false,
      grace_minutes integer not null default 0 check (grace_minutes between 0 and 525600),
      ${COMMON},
      primary key (tenant_id, id),
      foreign key (tenant_id, site_id) references sites (tenant_id, id)
    )`.execute(db);

  await sql`
    create table tasks (
      tenant_id uuid not null references tenants (id),
      id uuid not null default gen_random_uuid(),
      number text not null,
      template_id uuid,
      title text not null,
      description text,
      site_id uuid not null,
      assignee_id uuid,
      ${PRIORITY},
      status text not null default 'ASSIGNED' check (status in ('ASSIGNED', 'INPROGRESS', 'WORKING',
        'STANDBY', 'MAINTENANCE', 'PARTIALLYCOMPLETED', 'COMPLETED', 'AUTOCLOSED')),
      planned_at timestamptz,
      due_at timestamptz,
      grace_minutes integer not null default 0 check (grace_minutes between 0 and 525600),
      started_at timestamptz,
      completed_at timestamptz,
      observations jsonb not null default '[]',
      meter_readings jsonb not null default '[]',
      photo_count integer not null default 0 check (photo_count >= 0),
      requires_observation boolean not null default false,
      requires_meter_reading boolean not null default false,
      requires_photo boolean not null default false,
      status_changed_at timestamptz not null default now(),
      ${COMMON},
      primary key (tenant_id, id),
      constraint tasks_unique_number unique (tenant_id, number),
      constraint tasks_check_due_at check (due_at >= planned_at),
      foreign key (tenant_id, template_id) references task_templates (tenant_id, id),
      foreign key (tenant_id, site_id) references sites (tenant_id, id),
      foreign key (tenant_id, assignee_id) references people (tenant_id, id)
    )`.execute(db);
  // The SLA-breach filter: open tasks by deadline.
  await sql`create index tasks_open_due on tasks (tenant_id, due_at)
    where status not in ('COMPLETED', 'AUTOCLOSED') and deleted_at is null`.execute(db);

  await sql`
    create table attendance_records (
      tenant_id uuid not null references tenants (id),
      id uuid not null default gen_random_uuid(),
      person_id uuid not null,
      site_id uuid not null,
      work_date date not null,
      punch_in_at timestamptz,
      punch_out_at timestamptz,
      location jsonb,
      status text not null default 'PENDING'
        check (status in ('PENDING', 'APPROVED', 'REJECTED', 'ADJUSTED', 'LOCKED')),
      adjustment_reason text,
      remarks text,
      status_changed_at timestamptz not null default now(),
      ${COMMON},
      primary key (tenant_id, id),
      constraint attendance_records_check_punch_out_at check (punch_out_at >= punch_in_at),
      foreign key (tenant_id, person_id) references people (tenant_id, id),
      foreign key (tenant_id, site_id) references sites (tenant_id, id)
    )`.execute(db);
  await sql`create index attendance_person_day on attendance_records (tenant_id, person_id, work_date)`.execute(
    db,
  );

  await sql`
    create table tickets (
      tenant_id uuid not null references tenants (id),
      id uuid not null default gen_random_uuid(),
      number text not null,
      title text not null,
      description text,
      category text,
      site_id uuid,
      requester_id uuid,
      assignee_id uuid,
      ${PRIORITY},
      status text not null default 'NEW' check (status in
        ('NEW', 'OPEN', 'INPROGRESS', 'ONHOLD', 'RESOLVED', 'CLOSED', 'CANCELLED')),
      due_at timestamptz,
      status_changed_at timestamptz not null default now(),
      ${COMMON},
      primary key (tenant_id, id),
      constraint tickets_unique_number unique (tenant_id, number),
      foreign key (tenant_id, site_id) references sites (tenant_id, id),
      foreign key (tenant_id, requester_id) references people (tenant_id, id),
      foreign key (tenant_id, assignee_id) references people (tenant_id, id)
    )`.execute(db);

  // Every list's default order and keyset.
  for (const table of RECORD_TABLES.filter((name) => name !== 'tenant_counters')) {
    await sql`create index ${sql.id(`${table}_created`)}
      on ${sql.table(table)} (tenant_id, created_at, id)`.execute(db);
  }
  for (const table of ['work_orders', 'tasks', 'tickets']) {
    await sql`create index ${sql.id(`${table}_status`)}
      on ${sql.table(table)} (tenant_id, status, created_at)`.execute(db);
  }

  // What list filters and the in-use check before a deletion look records up by.
  for (const [table, column] of [
    ['people', 'site_id'],
    ['work_orders', 'site_id'],
    ['work_orders', 'asset_id'],
    ['work_orders', 'vendor_id'],
    ['work_orders', 'assigned_to'],
    ['task_templates', 'site_id'],
    ['tasks', 'site_id'],
    ['tasks', 'assignee_id'],
    ['attendance_records', 'site_id'],
    ['tickets', 'site_id'],
    ['tickets', 'assignee_id'],
  ] as const) {
    await sql`create index ${sql.id(`${table}_${column}`)} on ${sql.table(table)} (tenant_id, ${sql.ref(column)})
      where deleted_at is null`.execute(db);
  }

  for (const table of RECORD_TABLES) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (tenant_id = app_current_tenant())
      with check (tenant_id = app_current_tenant())`.execute(db);
  }
  // Records are soft-deleted and counters only grow: the app role never deletes rows here.
  for (const table of RECORD_TABLES) {
    await sql`grant select, insert, update on ${sql.table(table)} to facilityflow_app`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [...RECORD_TABLES].reverse()) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
  await sql`drop table if exists platform_secrets`.execute(db);
}
