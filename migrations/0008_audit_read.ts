import { sql, type Kysely } from 'kysely';

/**
 * Indexes for the audit read side (SPEC §7 "Read"). Every list of entries is newest first, so
 * each index ends in (created_at, id): a page is a short backward index scan.
 * - `actor_id` alone: the foundation's actor index holds only PERMISSION_DENIED entries.
 * - `event_type` alone: a rare type (BULK_OPERATION) would otherwise scan the tenant's whole trail.
 * - `entity_id` (with or without `entity_type`): replaces the foundation's entity index, which
 *   led with entity_type, so PostgreSQL 15 could not use it for an id alone. Every audit insert
 *   maintains each index, so the trail keeps no index it can do without.
 * - a work order's history finds its line items, deleted ones included (the seq index skips them).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index audit_entries_actor
    on audit_entries (tenant_id, actor_id, created_at, id)`.execute(db);
  await sql`create index audit_entries_entity_id
    on audit_entries (tenant_id, entity_id, created_at, id)`.execute(db);
  await sql`drop index audit_entries_entity`.execute(db);
  await sql`create index audit_entries_event_type
    on audit_entries (tenant_id, event_type, created_at, id)`.execute(db);
  await sql`create index work_order_line_items_work_order
    on work_order_line_items (tenant_id, work_order_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index work_order_line_items_work_order`.execute(db);
  await sql`drop index audit_entries_event_type`.execute(db);
  await sql`create index audit_entries_entity
    on audit_entries (tenant_id, entity_type, entity_id, created_at)`.execute(db);
  await sql`drop index audit_entries_entity_id`.execute(db);
  await sql`drop index audit_entries_actor`.execute(db);
}
