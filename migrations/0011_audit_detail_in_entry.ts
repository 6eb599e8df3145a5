import { sql, type Kysely } from 'kysely';
import { createAuditDetailTables } from './0001_foundation.js';
import * as purgeGuard from './0009_audit_purge_guard.js';

/**
 * An entry's detail object (SPEC §7: state_transition, bulk_operation or permission_denial) moves
 * from a table of its own into a jsonb column of the entry, and the entries' foreign key to
 * `tenants` goes (ADR 0013). Each audited write is then one row in one table: no second insert, no
 * foreign-key checks, and no share lock on the tenant's row, which every concurrent write of the
 * tenant took and which made PostgreSQL create a multixact for each.
 *
 * The columns hold exactly the objects the reads and the seal hashes built from the detail tables
 * (`jsonb_build_object` of their columns, floats written as the hashes write them), so every seal
 * already made still verifies. Moving them rewrites each entry that has one (docs/deployment.md).
 */
const DETAILS = [
  {
    column: 'state_transition',
    table: 'audit_state_transitions',
    object: sql`jsonb_build_object('from_state', d.from_state, 'to_state', d.to_state,
      'transition_reason', d.transition_reason,
      'transition_duration_seconds', d.transition_duration_seconds)`,
    columns: sql`from_state, to_state, transition_reason, transition_duration_seconds`,
    values: sql`d->>'from_state', d->>'to_state', d->>'transition_reason',
      (d->>'transition_duration_seconds')::double precision`,
  },
  {
    column: 'bulk_operation',
    table: 'audit_bulk_operations',
    object: sql`jsonb_build_object('operation_type', d.operation_type,
      'total_items', d.total_items, 'successful_items', d.successful_items,
      'failed_items', d.failed_items, 'failure_details', d.failure_details,
      'execution_time_ms', d.execution_time_ms, 'was_rolled_back', d.was_rolled_back)`,
    columns: sql`operation_type, total_items, successful_items, failed_items, failure_details,
      execution_time_ms, was_rolled_back`,
    values: sql`d->>'operation_type', (d->>'total_items')::integer,
      (d->>'successful_items')::integer, (d->>'failed_items')::integer, d->'failure_details',
      (d->>'execution_time_ms')::integer, (d->>'was_rolled_back')::boolean`,
  },
  {
    column: 'permission_denial',
    table: 'audit_permission_denials',
    object: sql`jsonb_build_object('required_permission', d.required_permission,
      'action_attempted', d.action_attempted, 'risk_level', d.risk_level)`,
    columns: sql`required_permission, action_attempted, risk_level`,
    values: sql`d->>'required_permission', d->>'action_attempted', d->>'risk_level'`,
  },
];

/**
 * What the detail tables' columns held the objects to, in one check: one object at most, every
 * key of SPEC §7 present, and a risk level of the four. PostgreSQL reads and compiles a table's
 * checks again for every INSERT statement, so the lists are array constants, not expressions
 * folded each time.
 */
export const DETAIL_SHAPE = sql`
  num_nonnulls(state_transition, bulk_operation, permission_denial) <= 1
  and (state_transition is null or state_transition ?&
    '{from_state, to_state, transition_reason, transition_duration_seconds}')
  and (bulk_operation is null or bulk_operation ?& '{operation_type, total_items,
    successful_items, failed_items, failure_details, execution_time_ms, was_rolled_back}')
  and (permission_denial is null or permission_denial ?&
    '{required_permission, action_attempted, risk_level}'
    and permission_denial->>'risk_level' = any ('{LOW, MEDIUM, HIGH, CRITICAL}'))`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table audit_entries
      add column state_transition jsonb,
      add column bulk_operation jsonb,
      add column permission_denial jsonb,
      add constraint audit_entries_detail_shape check (${DETAIL_SHAPE})`.execute(db);
  // The seal hashes build the objects with this setting (CANONICAL_FLOATS in seal-hashes.ts).
  await sql`set local extra_float_digits = 1`.execute(db);
  await sql`alter table audit_entries disable trigger append_only`.execute(db);
  for (const detail of DETAILS) {
    await sql`
      update audit_entries e set ${sql.ref(detail.column)} = ${detail.object}
      from ${sql.table(detail.table)} d
      where d.tenant_id = e.tenant_id and d.audit_id = e.id`.execute(db);
  }
  await sql`alter table audit_entries enable trigger append_only`.execute(db);
  for (const detail of DETAILS) await sql`drop table ${sql.table(detail.table)}`.execute(db);
  await sql`alter table audit_entries drop constraint audit_entries_tenant_id_fkey`.execute(db);
  // 0009's guard, without its branch for detail rows.
  await sql`
    create or replace function audit_reject_change() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' and current_setting('app.audit_purge', true) = 'on'
        and old.retention_until < now()
        and not exists (select 1 from tenants where id = old.tenant_id and legal_hold) then
        return old;
      end if;
      raise exception 'audit entries are append-only: % on % is not allowed', tg_op, tg_table_name
        using errcode = 'insufficient_privilege';
    end $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await purgeGuard.up(db);
  await sql`
    alter table audit_entries add constraint audit_entries_tenant_id_fkey
      foreign key (tenant_id) references tenants (id)`.execute(db);
  await createAuditDetailTables(db);
  for (const detail of DETAILS) {
    await sql`
      insert into ${sql.table(detail.table)} (tenant_id, audit_id, ${detail.columns})
      select e.tenant_id, e.id, ${detail.values}
      from audit_entries e, lateral (select ${sql.ref(`e.${detail.column}`)} as d) detail
      where ${sql.ref(`e.${detail.column}`)} is not null`.execute(db);
  }
  await sql`
    alter table audit_entries
      drop constraint audit_entries_detail_shape,
      drop column state_transition,
      drop column bulk_operation,
      drop column permission_denial`.execute(db);
}
