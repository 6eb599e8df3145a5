import { sql, type Kysely } from 'kysely';
import { DETAIL_SHAPE } from './0011_audit_detail_in_entry.js';

/**
 * Two savings on every audit insert (ADR 0014):
 * - An entry's key is (tenant_id, created_at, id), the order every list, export and seal reads
 *   it in. The index of that order becomes the primary key, and the separate (tenant_id, id) key
 *   goes: one index fewer to maintain, and the one whose random position cost most to insert
 *   into. An id is a random UUID from the writer and stays unique by construction.
 * - The table's checks are one function call and one array constant. PostgreSQL rebuilds a
 *   table's check expressions from their stored text for every INSERT statement it runs; a call
 *   of a PL/pgSQL function is a small expression, its body compiled once per connection.
 */
const DETAIL_COLUMNS = sql`state_transition, bulk_operation, permission_denial`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function audit_entry_detail_is_valid(
      state_transition jsonb, bulk_operation jsonb, permission_denial jsonb
    ) returns boolean language plpgsql immutable parallel safe as $$
    begin
      return ${DETAIL_SHAPE};
    end $$`.execute(db);
  await sql`
    alter table audit_entries
      drop constraint audit_entries_detail_shape,
      drop constraint audit_entries_event_type_check,
      add constraint audit_entries_detail_shape
        check (audit_entry_detail_is_valid(${DETAIL_COLUMNS})),
      add constraint audit_entries_event_type_check check (event_type = any (
        '{CREATED, UPDATED, DELETED, STATE_CHANGED, BULK_OPERATION, PERMISSION_DENIED}'))`.execute(
    db,
  );

  await sql`create unique index audit_entries_key on audit_entries (tenant_id, created_at, id)`.execute(
    db,
  );
  await sql`
    alter table audit_entries
      drop constraint audit_entries_pkey,
      add constraint audit_entries_pkey primary key using index audit_entries_key`.execute(db);
  await sql`drop index audit_entries_created`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index audit_entries_created on audit_entries (tenant_id, created_at, id)`.execute(
    db,
  );
  await sql`
    alter table audit_entries
      drop constraint audit_entries_pkey,
      add primary key (tenant_id, id)`.execute(db);
  await sql`
    alter table audit_entries
      drop constraint audit_entries_detail_shape,
      drop constraint audit_entries_event_type_check,
      add constraint audit_entries_detail_shape check (${DETAIL_SHAPE}),
      add constraint audit_entries_event_type_check check (event_type in
        ('CREATED', 'UPDATED', 'DELETED', 'STATE_CHANGED', 'BULK_OPERATION', 'PERMISSION_DENIED'))`.execute(
    db,
  );
  await sql`drop function audit_entry_detail_is_valid(jsonb, jsonb, jsonb)`.execute(db);
}
