import { randomUUID } from 'node:crypto';
import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../migrations/index.js';
import { insertTenant } from './audit-seals.js';
import { CANONICAL_FLOATS, entryHash } from '../src/modules/audit/seal-hashes.js';
import { recordAudit } from '../src/platform/audit/record-audit.js';
import type { Tx } from '../src/platform/db/transactions.js';
import { openDatabase, type Database } from '../src/platform/db/database.js';
import { migrateToLatest } from '../src/platform/db/migrate.js';

/**
 * Migration 0011 moves each entry's detail object from its own table into a column of the entry.
 * Seals already written hold hashes computed from the detail tables, so the objects it stores
 * must hash exactly alike; its down must give the detail rows back.
 */
const BEFORE = '0010_search_word_index';

/** The entry hash as it was computed before 0011, from the detail tables. */
const hashFromDetailTables = sql<Buffer>`sha256(convert_to(jsonb_build_array(
  e.tenant_id, e.id, e.correlation_id, e.event_type, e.entity_type, e.entity_id, e.actor_id,
  e.changes, e.metadata, e.ip_address, e.user_agent, e.security_flags,
  to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  to_char(e.retention_until at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  case when st.audit_id is not null then jsonb_build_object(
    'from_state', st.from_state, 'to_state', st.to_state,
    'transition_reason', st.transition_reason,
    'transition_duration_seconds', st.transition_duration_seconds) end,
  case when bo.audit_id is not null then jsonb_build_object(
    'operation_type', bo.operation_type, 'total_items', bo.total_items,
    'successful_items', bo.successful_items, 'failed_items', bo.failed_items,
    'failure_details', bo.failure_details, 'execution_time_ms', bo.execution_time_ms,
    'was_rolled_back', bo.was_rolled_back) end,
  case when pd.audit_id is not null then jsonb_build_object(
    'required_permission', pd.required_permission, 'action_attempted', pd.action_attempted,
    'risk_level', pd.risk_level) end
)::text, 'UTF8'))`;

let database: Database;
let db: Kysely<unknown>;
const migrator = () => new Migrator({ db, provider: { getMigrations: async () => migrations } });

async function migrateTo(name: string) {
  const result = await migrator().migrateTo(name);
  if (result.error) throw result.error;
}

/** Each entry's hash, hex by id, in a transaction with the hashes' float setting. */
async function hashes(hash: typeof entryHash, from: ReturnType<typeof sql>) {
  return db.transaction().execute(async (tx) => {
    await sql`select ${CANONICAL_FLOATS}`.execute(tx);
    const { rows } = await sql<{ id: string; hash: string }>`
      select e.id, encode(${hash}, 'hex') as hash ${from} order by e.id`.execute(tx);
    return rows;
  });
}
const OLD_FROM = sql`from audit_entries e
  left join audit_state_transitions st on st.tenant_id = e.tenant_id and st.audit_id = e.id
  left join audit_bulk_operations bo on bo.tenant_id = e.tenant_id and bo.audit_id = e.id
  left join audit_permission_denials pd on pd.tenant_id = e.tenant_id and pd.audit_id = e.id`;

const DETAIL_ROWS = {
  audit_state_transitions: sql`select audit_id, from_state, to_state, transition_reason,
    transition_duration_seconds from audit_state_transitions order by audit_id`,
  audit_bulk_operations: sql`select audit_id, operation_type, total_items, successful_items,
    failed_items, failure_details, execution_time_ms, was_rolled_back
    from audit_bulk_operations order by audit_id`,
  audit_permission_denials: sql`select audit_id, required_permission, action_attempted,
    risk_level from audit_permission_denials order by audit_id`,
};
async function detailRows() {
  return Object.fromEntries(
    await Promise.all(
      Object.entries(DETAIL_ROWS).map(async ([table, query]) => [
        table,
        (await query.execute(db)).rows,
      ]),
    ),
  );
}

const TRANSITION =
  '{"from_state": "OPEN", "to_state": "DONE", "transition_reason": null, "transition_duration_seconds": 2}';
const DENIAL = '{"required_permission": "a.b", "action_attempted": "c", "risk_level": "LOW"}';

const ids = { moved: randomUUID(), bulk: randomUUID(), denied: randomUUID(), plain: randomUUID() };

beforeAll(async () => {
  database = await openDatabase({ kind: 'memory' });
  db = database.db as Kysely<unknown>;
  await migrateTo(BEFORE);
  const tenantId = await insertTenant(database.db);
  const entry = (id: string, eventType: string) => sql`(${tenantId}, ${id}, ${randomUUID()},
    ${eventType}, 'ticket', ${randomUUID()}, '{"status": {"old": "OPEN", "new": "DONE"}}',
    '{"version": 3}', now() + interval '90 days')`;
  await sql`insert into audit_entries (tenant_id, id, correlation_id, event_type, entity_type,
      entity_id, changes, metadata, retention_until)
    values ${sql.join([
      entry(ids.moved, 'STATE_CHANGED'),
      entry(ids.bulk, 'BULK_OPERATION'),
      entry(ids.denied, 'PERMISSION_DENIED'),
      entry(ids.plain, 'UPDATED'),
    ])}`.execute(db);
  await sql`insert into audit_state_transitions values
    (${tenantId}, ${ids.moved}, 'OPEN', 'DONE', null, 1234567890.1234567)`.execute(db);
  await sql`insert into audit_bulk_operations values (${tenantId}, ${ids.bulk}, 'transition',
    3, 2, 1, '{"${sql.raw(randomUUID())}": "not allowed"}', 41, false)`.execute(db);
  await sql`insert into audit_permission_denials values
    (${tenantId}, ${ids.denied}, 'audit.view', 'GET /api/v1/audit-logs', 'HIGH')`.execute(db);
});
afterAll(() => database?.close());

describe('migration 0011 (audit detail in the entry)', () => {
  it('keeps every entry hash, and its down gives the detail rows back', async () => {
    const hashesBefore = await hashes(hashFromDetailTables, OLD_FROM);
    const rowsBefore = await detailRows();
    expect(rowsBefore.audit_state_transitions).toHaveLength(1);

    await migrateToLatest(db);
    expect(await hashes(entryHash, sql`from audit_entries e`)).toEqual(hashesBefore);
    const { rows } = await sql<Record<string, unknown>>`
      select id, state_transition, bulk_operation, permission_denial from audit_entries
      where id = any(${[ids.moved, ids.denied, ids.plain]}::uuid[]) order by id`.execute(db);
    expect(rows).toEqual(
      expect.arrayContaining([
        {
          id: ids.moved,
          state_transition: {
            from_state: 'OPEN',
            to_state: 'DONE',
            transition_reason: null,
            transition_duration_seconds: 1234567890.1234567,
          },
          bulk_operation: null,
          permission_denial: null,
        },
        {
          id: ids.denied,
          state_transition: null,
          bulk_operation: null,
          permission_denial: {
            required_permission: 'audit.view',
            action_attempted: 'GET /api/v1/audit-logs',
            risk_level: 'HIGH',
          },
        },
        { id: ids.plain, state_transition: null, bulk_operation: null, permission_denial: null },
      ]),
    );

    await migrateTo(BEFORE);
    expect(await detailRows()).toEqual(rowsBefore);
    expect(await hashes(hashFromDetailTables, OLD_FROM)).toEqual(hashesBefore);

    await migrateToLatest(db);
    expect(await hashes(entryHash, sql`from audit_entries e`)).toEqual(hashesBefore);
  });

  it('round-trips the entries recordAudit writes, down and up again', async () => {
    const { rows } = await sql<{ id: string }>`select id from tenants limit 1`.execute(db);
    const source = {
      tenantId: rows[0]!.id,
      correlationId: randomUUID(),
      actorId: null,
      ipAddress: '192.0.2.1',
      userAgent: 'test',
      tenant: { retentionDays: 90, piiKeys: [] },
    };
    const [moved, bulk, denied] = await db.transaction().execute((tx) =>
      recordAudit(
        tx as unknown as Tx,
        source,
        {
          eventType: 'STATE_CHANGED',
          entityType: 'ticket',
          entityId: randomUUID(),
          stateTransition: {
            fromState: 'OPEN',
            toState: 'DONE',
            transitionReason: 'mail me at someone@example.com',
            transitionDurationSeconds: 0.1 + 0.2,
          },
        },
        {
          eventType: 'BULK_OPERATION',
          entityType: 'ticket',
          entityId: null,
          bulkOperation: {
            operationType: 'transition',
            totalItems: 2,
            successfulItems: 1,
            failedItems: 1,
            failureDetails: { [randomUUID()]: 'INVALID_STATE_TRANSITION' },
            executionTimeMs: 12,
            wasRolledBack: true,
          },
        },
        {
          eventType: 'PERMISSION_DENIED',
          entityType: 'ticket',
          entityId: null,
          permissionDenial: {
            requiredPermission: 'tickets.manage',
            actionAttempted: 'close a ticket',
            riskLevel: 'MEDIUM',
          },
        },
      ),
    );
    const stored = async () =>
      (
        await sql<Record<string, unknown>>`
          select state_transition, bulk_operation, permission_denial from audit_entries
          where id = any(${[moved, bulk, denied]}::uuid[])
          order by array_position(${[moved, bulk, denied]}::uuid[], id)`.execute(db)
      ).rows;
    const written = await stored();
    expect(written).toEqual([
      {
        state_transition: {
          from_state: 'OPEN',
          to_state: 'DONE',
          transition_reason: 'mail me at [REDACTED]',
          transition_duration_seconds: 0.30000000000000004,
        },
        bulk_operation: null,
        permission_denial: null,
      },
      {
        state_transition: null,
        bulk_operation: {
          operation_type: 'transition',
          total_items: 2,
          successful_items: 1,
          failed_items: 1,
          failure_details: expect.any(Object),
          execution_time_ms: 12,
          was_rolled_back: true,
        },
        permission_denial: null,
      },
      {
        state_transition: null,
        bulk_operation: null,
        permission_denial: {
          required_permission: 'tickets.manage',
          action_attempted: 'close a ticket',
          risk_level: 'MEDIUM',
        },
      },
    ]);
    const hashesWritten = await hashes(entryHash, sql`from audit_entries e`);

    await migrateTo(BEFORE);
    expect(await hashes(hashFromDetailTables, OLD_FROM)).toEqual(hashesWritten);
    await migrateToLatest(db);
    expect(await hashes(entryHash, sql`from audit_entries e`)).toEqual(hashesWritten);
    expect(await stored()).toEqual(written);
  });

  it.each([
    {
      what: 'two detail objects',
      columns: sql`state_transition, permission_denial`,
      values: sql`${TRANSITION}, ${DENIAL}`,
    },
    {
      what: 'a state transition without its duration',
      columns: sql`state_transition`,
      values: sql`${'{"from_state": "OPEN", "to_state": "DONE", "transition_reason": null}'}`,
    },
    {
      what: 'a bulk operation without its failures',
      columns: sql`bulk_operation`,
      values: sql`${'{"operation_type": "x", "total_items": 1, "successful_items": 1, "failed_items": 0, "execution_time_ms": 1, "was_rolled_back": false}'}`,
    },
    {
      what: 'a risk level of none of the four',
      columns: sql`permission_denial`,
      values: sql`${DENIAL.replace('LOW', 'SEVERE')}`,
    },
  ])('refuses an entry with $what', async ({ columns, values }) => {
    const insert = sql`insert into audit_entries (tenant_id, correlation_id, event_type,
        entity_type, retention_until, ${columns})
      select id, gen_random_uuid(), 'STATE_CHANGED', 'ticket', now(), ${values}
      from tenants limit 1`;
    await expect(insert.execute(db)).rejects.toThrow(/audit_entries_detail_shape/);
  });

  it('takes an entry with one complete detail object, or none', async () => {
    for (const [column, value] of [
      ['state_transition', TRANSITION],
      ['permission_denial', DENIAL],
      ['permission_denial', null],
    ] as const) {
      await sql`insert into audit_entries (tenant_id, correlation_id, event_type, entity_type,
          retention_until, ${sql.ref(column)})
        select id, gen_random_uuid(), 'STATE_CHANGED', 'ticket', now(), ${value}
        from tenants limit 1`.execute(db);
    }
  });
});
