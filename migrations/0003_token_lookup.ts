import { sql, type Kysely } from 'kysely';

/**
 * Token lookup in one statement. The function sets the tenant and switches to the row-level-
 * security role for the statement's own (implicit) transaction, so the lookup stays inside that
 * tenant's RLS scope, and as PL/pgSQL its query plan is cached per connection. Call it outside an
 * explicit transaction: inside one, the tenant and role would last until that transaction ends.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function authenticate_token(p_tenant uuid, p_token_hash text)
    returns table (
      token_id uuid,
      token_expires_at timestamptz,
      person_id uuid,
      retention_days integer,
      require_if_match boolean,
      pii_keys text[],
      permissions text[]
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
          )
        from api_tokens t
        join people p on p.tenant_id = t.tenant_id and p.id = t.person_id
        join tenants tn on tn.id = t.tenant_id
        where t.tenant_id = p_tenant and t.token_hash = p_token_hash
          and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())
          and p.deleted_at is null and p.is_active;
    end $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function if exists authenticate_token(uuid, text)`.execute(db);
}
