import { sql, type Kysely } from 'kysely';

/**
 * Idempotency keys of bulk requests (SPEC §8): the first response to a key, kept 24 h in the
 * database so every server process replays it. A key belongs to the person who sent it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table idempotency_keys (
      tenant_id uuid not null references tenants (id),
      actor_id uuid not null,
      key text not null,
      request_hash text not null,
      -- The response (a 200) exactly as first sent, so a replay is the same bytes. Null only
      -- inside the first request's own transaction, so no other request ever sees it null.
      response text,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      primary key (tenant_id, actor_id, key)
    )`.execute(db);
  await sql`create index idempotency_keys_expiry on idempotency_keys (expires_at)`.execute(db);
  await sql`alter table idempotency_keys enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on idempotency_keys
    using (tenant_id = app_current_tenant())
    with check (tenant_id = app_current_tenant())`.execute(db);
  // UPDATE: an expired key is taken over by the next request that names it.
  await sql`grant select, insert, update on idempotency_keys to facilityflow_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists idempotency_keys`.execute(db);
}
