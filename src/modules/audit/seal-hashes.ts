import { sql, type RawBuilder } from 'kysely';

/**
 * The hashes of ADR 0011, as SQL shared by the sealer and the verifier: both must compute them
 * byte for byte alike, now and for every seal already written, so changing one breaks every
 * chain. Computed in the database, so entries never travel to the process to be hashed.
 */

/** A timestamp as fixed UTC text, whatever the session's time zone. */
export function utcText(timestamp: RawBuilder<unknown>): RawBuilder<string> {
  return sql`to_char((${timestamp}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/**
 * Selected first in every transaction that hashes entries: jsonb writes float8 values (a
 * transition's duration) with as many digits as this setting says, so a session or role setting
 * other than the default would change every hash.
 */
export const CANONICAL_FLOATS = sql`set_config('extra_float_digits', '1', true)`;

/**
 * sha256 of the canonical text of the entry `e`: a JSON array of every column in a fixed order.
 * jsonb's text is canonical (key order, spacing), and timestamps are written in UTC explicitly.
 * Deliberately not built from the read side's columns (`ENTRY_COLUMNS`): the API's shape may
 * change, this text may not (a test pins it). The detail objects had tables of their own until
 * migration 0011, which stored in the columns exactly the objects this hash built from them.
 */
export const entryHash: RawBuilder<Buffer> = sql`sha256(convert_to(jsonb_build_array(
  e.tenant_id, e.id, e.correlation_id, e.event_type, e.entity_type, e.entity_id, e.actor_id,
  e.changes, e.metadata, e.ip_address, e.user_agent, e.security_flags,
  ${utcText(sql`e.created_at`)}, ${utcText(sql`e.retention_until`)},
  e.state_transition, e.bulk_operation, e.permission_denial
)::text, 'UTF8'))`;

/** sha256 over entry hashes in entry id order: a seal's batch hash (an aggregate). */
export function batchHash(hash: RawBuilder<unknown>, id: RawBuilder<unknown>): RawBuilder<Buffer> {
  return sql`sha256(string_agg(${hash}, ''::bytea order by ${id}))`;
}

/** The previous hash of a tenant's first seal. */
export const GENESIS_HASH = sql<Buffer>`decode(repeat('00', 32), 'hex')`;

export interface ChainFields {
  previousHash: RawBuilder<unknown>;
  batchHash: RawBuilder<unknown>;
  tenantId: RawBuilder<unknown>;
  seq: RawBuilder<unknown>;
  from: RawBuilder<unknown>;
  to: RawBuilder<unknown>;
  count: RawBuilder<unknown>;
}

/** sha256(previous chain hash || batch hash || 'tenant|seq|from|to|count'). */
export function chainHash(f: ChainFields): RawBuilder<Buffer> {
  return sql`sha256(${f.previousHash} || ${f.batchHash} || convert_to(concat_ws('|',
    ${f.tenantId}::text, ${f.seq}::text, ${utcText(f.from)}, ${utcText(f.to)}, ${f.count}::text),
    'UTF8'))`;
}
