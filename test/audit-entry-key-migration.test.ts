import { randomUUID } from 'node:crypto';
import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../migrations/index.js';
import { insertEntries, insertTenant } from './audit-seals.js';
import { CANONICAL_FLOATS, entryHash } from '../src/modules/audit/seal-hashes.js';
import { openDatabase, type Database } from '../src/platform/db/database.js';
import { migrateToLatest } from '../src/platform/db/migrate.js';
import type { DB } from '../src/platform/db/tables.js';

/**
 * Migration 0012 makes (tenant_id, created_at, id) the entries' primary key in place of
 * (tenant_id, id) plus an index of that order, and turns the checks into a function call and an
 * array constant: the same entries are taken and refused, before and after, up and down.
 */
const BEFORE = '0011_audit_detail_in_entry';

let database: Database;
let db: Kysely<unknown>;
let tenantId: string;

async function migrateTo(name: string) {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result = await migrator.migrateTo(name);
  if (result.error) throw result.error;
}

async function primaryKey(): Promise<string> {
  const { rows } = await sql<{ definition: string }>`
    select pg_get_constraintdef(oid) as definition from pg_constraint
    where conrelid = 'audit_entries'::regclass and contype = 'p'`.execute(db);
  return rows[0]!.definition;
}

async function indexNames(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select indexrelid::regclass::text as name from pg_index
    where indrelid = 'audit_entries'::regclass order by 1`.execute(db);
  return rows.map((row) => row.name);
}

/** Every entry's hash, hex by id: the seal hashes see each entry unchanged. */
async function hashes() {
  return db.transaction().execute(async (tx) => {
    await sql`select ${CANONICAL_FLOATS}`.execute(tx);
    const { rows } = await sql<{ id: string; hash: string }>`
      select e.id, encode(${entryHash}, 'hex') as hash from audit_entries e order by e.id`.execute(
      tx,
    );
    return rows;
  });
}

const TRANSITION =
  '{"from_state": "OPEN", "to_state": "DONE", "transition_reason": null, "transition_duration_seconds": 2}';
const DENIAL = '{"required_permission": "a.b", "action_attempted": "c", "risk_level": "LOW"}';

/** An entry written directly, with the given event type and detail columns. */
function insertEntry(eventType: string, detail: { column: string; value: string }[] = []) {
  const columns = detail.map(({ column }) => sql`, ${sql.ref(column)}`);
  const values = detail.map(({ value }) => sql`, ${value}::jsonb`);
  return sql`insert into audit_entries (tenant_id, correlation_id, event_type, entity_type,
      retention_until ${sql.join(columns, sql``)})
    values (${tenantId}, gen_random_uuid(), ${eventType}, 'ticket', now()
      ${sql.join(values, sql``)})`.execute(db);
}

const REFUSED: { what: string; insert: () => Promise<unknown>; constraint: RegExp }[] = [
  {
    what: 'an event type of none of the six',
    insert: () => insertEntry('STATE_CHANGE'),
    constraint: /audit_entries_event_type_check/,
  },
  {
    what: 'two detail objects',
    insert: () =>
      insertEntry('STATE_CHANGED', [
        { column: 'state_transition', value: TRANSITION },
        { column: 'permission_denial', value: DENIAL },
      ]),
    constraint: /audit_entries_detail_shape/,
  },
  {
    what: 'a state transition without its duration',
    insert: () =>
      insertEntry('STATE_CHANGED', [
        {
          column: 'state_transition',
          value: '{"from_state": "OPEN", "to_state": "DONE", "transition_reason": null}',
        },
      ]),
    constraint: /audit_entries_detail_shape/,
  },
  {
    what: 'a risk level of none of the four',
    insert: () =>
      insertEntry('PERMISSION_DENIED', [
        { column: 'permission_denial', value: DENIAL.replace('LOW', 'SEVERE') },
      ]),
    constraint: /audit_entries_detail_shape/,
  },
];

async function expectTheSameRules() {
  for (const { insert, constraint } of REFUSED) await expect(insert()).rejects.toThrow(constraint);
  await insertEntry('STATE_CHANGED', [{ column: 'state_transition', value: TRANSITION }]);
  await insertEntry('PERMISSION_DENIED', [{ column: 'permission_denial', value: DENIAL }]);
  await insertEntry('UPDATED');
}

beforeAll(async () => {
  database = await openDatabase({ kind: 'memory' });
  db = database.db as Kysely<unknown>;
  await migrateTo(BEFORE);
  tenantId = await insertTenant(database.db);
  await insertEntries(db as Kysely<DB>, tenantId, 30, { withDetails: true });
});
afterAll(() => database?.close());

describe('migration 0012 (audit entry key and checks)', () => {
  it('keys entries by (tenant_id, created_at, id) and drops the index it replaces', async () => {
    expect(await primaryKey()).toBe('PRIMARY KEY (tenant_id, id)');
    expect(await indexNames()).toContain('audit_entries_created');
    const before = await hashes();

    await migrateToLatest(db);
    expect(await primaryKey()).toBe('PRIMARY KEY (tenant_id, created_at, id)');
    expect(await indexNames()).not.toContain('audit_entries_created');
    expect(await hashes()).toEqual(before);
  });

  it('refuses and takes the same entries as the checks it replaces', async () => {
    await expectTheSameRules();
  });

  it('refuses a second entry with the same key', async () => {
    const { rows } = await sql<{ created_at: Date; id: string }>`
      select created_at, id from audit_entries limit 1`.execute(db);
    const { created_at, id } = rows[0]!;
    await expect(
      sql`insert into audit_entries (tenant_id, id, created_at, correlation_id, event_type,
          entity_type, retention_until)
        values (${tenantId}, ${id}, ${created_at}, ${randomUUID()}, 'UPDATED', 'ticket', now())`.execute(
        db,
      ),
    ).rejects.toThrow(/audit_entries_pkey/);
  });

  it('goes down to the old key and checks with every entry as it was, and up again', async () => {
    const written = await hashes();

    await migrateTo(BEFORE);
    expect(await primaryKey()).toBe('PRIMARY KEY (tenant_id, id)');
    expect(await indexNames()).toContain('audit_entries_created');
    expect(await hashes()).toEqual(written);
    await expectTheSameRules();

    await migrateToLatest(db);
    expect(await primaryKey()).toBe('PRIMARY KEY (tenant_id, created_at, id)');
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from audit_entries`.execute(db);
    expect(rows[0]!.n).toBe(written.length + 3);
  });
});
