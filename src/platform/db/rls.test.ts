import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { RECORD_TABLES } from '../../../migrations/0002_records.js';
import { recordAudit } from '../audit/record-audit.js';
import type { AuditSource } from '../context.js';
import type { DB } from './tables.js';
import { withPlatformTxBypassingRls, withTenantTx, type Tx } from './transactions.js';

/**
 * Every tenant table refuses another tenant's rows to a tenant transaction: it cannot see, copy in,
 * update, delete or claim them. The catalogue test fails for a table with `tenant_id` that is not in
 * TENANT_TABLES, and the row test for one that addRowsToEveryTable gives no rows, so no table slips
 * through untested.
 */

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let tables: { name: string; key: string }[];

const TENANT_TABLES = [
  'tenants',
  'sites',
  'people',
  'roles',
  'person_roles',
  'api_tokens',
  'audit_entries',
  ...RECORD_TABLES,
  'search_words',
  'saved_searches',
  'search_events',
  'idempotency_keys',
  'audit_seals',
  'audit_seal_entries',
];

type Row = Record<string, unknown>;
type Outcome = { rows: number } | { error: string };

const RLS_REFUSAL = /row-level security/;
const PRIVILEGE_REFUSAL = /permission denied/;

beforeAll(async () => {
  t = await buildTestApp();
  a = await createTenant(t, 'Tenant A');
  b = await createTenant(t, 'Tenant B');
  for (const tenant of [a, b]) await addRowsToEveryTable(tenant);
  const found = await withPlatformTxBypassingRls(t.database.db, async (tx) => {
    const { rows } = await sql<{ table_name: string }>`
      select c.table_name from information_schema.columns c
      join information_schema.tables tb
        on tb.table_schema = c.table_schema and tb.table_name = c.table_name
      where c.table_schema = 'public' and c.column_name = 'tenant_id'
        and tb.table_type = 'BASE TABLE'
      order by c.table_name`.execute(tx);
    return rows.map((row) => row.table_name);
  });
  tables = [{ name: 'tenants', key: 'id' }, ...found.map((name) => ({ name, key: 'tenant_id' }))];
});
afterAll(() => t.close());

async function addRowsToEveryTable(tenant: TestTenant): Promise<void> {
  const clerk = await createPersonWith(t, tenant, []);
  const denied = await call(t, clerk.token, {
    method: 'POST',
    url: '/api/v1/people',
    payload: { login: 'never-created', name: 'Never Created' },
  });
  expect(denied.statusCode, denied.body).toBe(403);
  await withPlatformTxBypassingRls(t.database.db, async (tx) => {
    const tenant_id = tenant.id;
    const insert = async <T extends keyof DB & string>(table: T, values: Insertable<DB[T]>) =>
      (
        (await tx
          .insertInto(table)
          .values(values as never)
          .returning('id' as never)
          .executeTakeFirstOrThrow()) as unknown as { id: string }
      ).id;
    const site_id = await insert('sites', {
      tenant_id,
      code: 'HQ',
      name: 'Head office',
      timezone: 'UTC',
    });
    await tx
      .insertInto('tenant_counters')
      .values({ tenant_id, name: 'work_order', value: 1 })
      .execute();
    const vendor_id = await insert('vendors', { tenant_id, code: 'V1', name: 'Vendor' });
    const asset_id = await insert('assets', { tenant_id, code: 'A1', name: 'Boiler', site_id });
    const work_order_id = await insert('work_orders', {
      tenant_id,
      number: 'WO-000001',
      title: 'Fix boiler',
      site_id,
      asset_id,
      vendor_id,
    });
    await insert('work_order_line_items', {
      tenant_id,
      work_order_id,
      seq: 1,
      description: 'Check',
    });
    const template_id = await insert('task_templates', { tenant_id, name: 'Daily round' });
    await insert('tasks', {
      tenant_id,
      number: 'TSK-000001',
      template_id,
      title: 'Round',
      site_id,
    });
    await insert('attendance_records', {
      tenant_id,
      person_id: tenant.adminId,
      site_id,
      work_date: '2026-11-02',
    });
    await insert('tickets', { tenant_id, number: 'T00001', title: 'Leak' });
    // search_words fills itself from the records' text (migration 0005).
    await sql`insert into saved_searches (tenant_id, person_id, name, query, entities)
      values (${tenant_id}, ${tenant.adminId}, 'Boilers', 'boiler', '{work_order}')`.execute(tx);
    await sql`insert into search_events
        (tenant_id, actor_id, query, entities, result_count, latency_ms, from_cache)
      values (${tenant_id}, ${tenant.adminId}, 'boiler', '{work_order}', 1, 3.5, false)`.execute(
      tx,
    );
    await sql`insert into idempotency_keys
        (tenant_id, actor_id, key, request_hash, response, expires_at)
      values (${tenant_id}, ${tenant.adminId}, 'k1', 'h', '{}', now() + interval '1 day')`.execute(
      tx,
    );
    await sql`insert into audit_seals (tenant_id, seq, from_created_at, to_created_at,
        entry_count, batch_hash, previous_hash, chain_hash)
      values (${tenant_id}, 1, now() - interval '1 hour', now(), 1, sha256('b'),
        decode(repeat('00', 32), 'hex'), sha256('c'))`.execute(tx);
    await sql`insert into audit_seal_entries (tenant_id, seq, entry_id, entry_hash, retention_until)
      values (${tenant_id}, 1, gen_random_uuid(), sha256('e'), now())`.execute(tx);
  });
  const source: AuditSource = {
    tenantId: tenant.id,
    tenant: { retentionDays: 90, piiKeys: [] },
    correlationId: randomUUID(),
    actorId: tenant.adminId,
    ipAddress: null,
    userAgent: null,
  };
  await withTenantTx({ db: t.database.db, tenantId: tenant.id }, (tx) =>
    recordAudit(
      tx,
      source,
      {
        eventType: 'STATE_CHANGED',
        entityType: 'work_order',
        entityId: randomUUID(),
        stateTransition: {
          fromState: 'DRAFT',
          toState: 'PENDING_APPROVAL',
          transitionReason: 'submitted',
          transitionDurationSeconds: 12,
        },
      },
      {
        eventType: 'BULK_OPERATION',
        entityType: 'work_order',
        entityId: null,
        bulkOperation: {
          operationType: 'approve',
          totalItems: 2,
          successfulItems: 1,
          failedItems: 1,
          failureDetails: { [randomUUID()]: 'INVALID_STATE_TRANSITION' },
          executionTimeMs: 5,
          wasRolledBack: false,
        },
      },
    ),
  );
}

const asTenant = <T>(tenant: TestTenant, work: (tx: Tx) => Promise<T>) =>
  withTenantTx({ db: t.database.db, tenantId: tenant.id }, work);

/** One statement in a tenant transaction of its own, so a refusal does not abort the next. */
async function attempt(tenant: TestTenant, statement: RawBuilder<unknown>): Promise<Outcome> {
  try {
    return { rows: (await asTenant(tenant, (tx) => statement.execute(tx))).rows.length };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** A tenant's rows of a table, in full, seen through the platform path. */
function rowsOf(table: { name: string; key: string }, tenant: TestTenant): Promise<Row[]> {
  return withPlatformTxBypassingRls(t.database.db, async (tx) => {
    const { rows } = await sql<{ row: Row }>`
      select to_jsonb(r) as row from ${sql.table(table.name)} r
      where ${sql.ref(table.key)} = ${tenant.id}
      order by to_jsonb(r)::text`.execute(tx);
    return rows.map((r) => r.row);
  });
}

async function appRoleMay(
  table: string,
  privilege: 'INSERT' | 'UPDATE' | 'DELETE',
): Promise<boolean> {
  return withPlatformTxBypassingRls(t.database.db, async (tx) => {
    const { rows } = await sql<{ allowed: boolean }>`
      select has_table_privilege('facilityflow_app', ${table}, ${privilege}) as allowed`.execute(
      tx,
    );
    return rows[0]!.allowed;
  });
}

function expectNoRowsOrRefused(outcome: Outcome, mayWrite: boolean, what: string) {
  if (mayWrite) expect(outcome, what).toEqual({ rows: 0 });
  else expect(outcome, what).toEqual({ error: expect.stringMatching(PRIVILEGE_REFUSAL) });
}

describe('row-level security', () => {
  it('runs tenant transactions as facilityflow_app with the tenant set', async () => {
    const { rows } = await asTenant(a, (tx) =>
      sql<{ user: string; tenant: string }>`
        select current_user as user, current_setting('app.tenant_id') as tenant`.execute(tx),
    );
    expect(rows).toEqual([{ user: 'facilityflow_app', tenant: a.id }]);
  });

  it('covers every tenant table of the schema', () => {
    expect(tables.map((table) => table.name).sort()).toEqual([...TENANT_TABLES].sort());
  });

  it('has rows of both tenants in every tenant table', async () => {
    for (const table of tables) {
      for (const tenant of [a, b]) {
        expect(
          (await rowsOf(table, tenant)).length,
          `${table.name} has no row of ${tenant === a ? 'A' : 'B'}: add one in addRowsToEveryTable`,
        ).toBeGreaterThan(0);
      }
    }
  });

  it('sees nothing as the app role without a tenant', async () => {
    for (const table of tables) {
      const { rows } = await t.database.db.transaction().execute(async (tx) => {
        await sql`select set_config('role', 'facilityflow_app', true)`.execute(tx);
        return sql<{ n: number }>`select count(*)::int as n from ${sql.table(table.name)}`.execute(
          tx,
        );
      });
      expect(rows[0]!.n, table.name).toBe(0);
    }
  });

  it('finds search candidates (owner functions) only in the transaction’s tenant', async () => {
    const candidates = (tenant: TestTenant | null) =>
      t.database.db.transaction().execute(async (tx) => {
        if (tenant) {
          await sql`select set_config('app.tenant_id', ${tenant.id}, true)`.execute(tx);
        }
        await sql`select set_config('role', 'facilityflow_app', true)`.execute(tx);
        const ids = await sql<{ id: string }>`
          select id from search_candidates('work_orders', '{%boiler%}', '{}')`.execute(tx);
        const groups = await sql<{ groups: string[] }>`
          select search_word_groups('{boil}') as groups`.execute(tx);
        const byWord = await sql<{ id: string }>`
          select id from search_candidates('work_orders', '{}', '{}', ${groups.rows[0]!.groups})`.execute(
          tx,
        );
        const words = await sql<{ word: string }>`
          select word from search_word_candidates('{boilr}')`.execute(tx);
        return {
          ids: ids.rows.length,
          byWord: byWord.rows.length,
          groups: [...groups.rows[0]!.groups].map((group) => group.split(' ').sort().join(' ')),
          words: words.rows.map((row) => row.word),
        };
      });
    // `boil` stands for the lexicon's `boiler` only in the tenant whose lexicon has it.
    expect(await candidates(a)).toEqual({
      ids: 1,
      byWord: 1,
      groups: ['boil boiler'],
      words: ['boiler'],
    });
    expect(await candidates(null)).toEqual({ ids: 0, byWord: 0, groups: ['boil'], words: [] });
    await expect(
      asTenant(a, (tx) =>
        sql`select * from search_candidates('api_tokens', '{}', '{}')`.execute(tx),
      ),
    ).rejects.toThrow(/not a searchable table/);
  });

  it.each(TENANT_TABLES)('%s refuses the rows of B to a transaction of A', async (name) => {
    const table = tables.find((candidate) => candidate.name === name);
    expect(table, `${name} is not a tenant table of the schema`).toBeDefined();
    const { key } = table!;
    const bRows = await rowsOf(table!, b);
    const aRows = await rowsOf(table!, a);
    expect(bRows.length, `${name} needs a row of B`).toBeGreaterThan(0);
    const mayInsert = await appRoleMay(name, 'INSERT');
    const mayUpdate = await appRoleMay(name, 'UPDATE');
    const mayDelete = await appRoleMay(name, 'DELETE');
    const target = sql.table(name);
    const column = sql.ref(key);

    const visible = await asTenant(a, async (tx) => {
      const { rows } = await sql<{ own: number; other: number }>`
          select count(*) filter (where ${column} = ${a.id})::int as own,
                 count(*) filter (where ${column} <> ${a.id})::int as other
          from ${target}`.execute(tx);
      return rows[0]!;
    });
    expect(visible, `${name}: A sees only its own rows`).toEqual({ own: aRows.length, other: 0 });

    const selected = await attempt(a, sql`select * from ${target} where ${column} = ${b.id}`);
    expect(selected, `${name}: SELECT of B rows`).toEqual({ rows: 0 });

    const copied = await attempt(
      a,
      sql`insert into ${target}
        select * from jsonb_populate_record(null::${target}, ${JSON.stringify(bRows[0])}::jsonb)
        returning 1`,
    );
    expect(copied, `${name}: INSERT of a copy of a B row`).toEqual({
      error: expect.stringMatching(mayInsert ? RLS_REFUSAL : PRIVILEGE_REFUSAL),
    });

    const hijackColumn = key === 'id' ? sql.ref('name') : column;
    const hijackValue = key === 'id' ? 'hijacked' : a.id;
    const updated = await attempt(
      a,
      sql`update ${target} set ${hijackColumn} = ${hijackValue} where ${column} = ${b.id} returning 1`,
    );
    expectNoRowsOrRefused(updated, mayUpdate, `${name}: UPDATE of B rows`);

    const deleted = await attempt(
      a,
      sql`delete from ${target} where ${column} = ${b.id} returning 1`,
    );
    expectNoRowsOrRefused(deleted, mayDelete, `${name}: DELETE of B rows`);

    const claimed = await attempt(
      a,
      sql`update ${target} set ${column} = ${b.id} where ${column} = ${a.id} returning 1`,
    );
    expect(claimed, `${name}: moving an A row to B`).toEqual({
      error: expect.stringMatching(mayUpdate ? RLS_REFUSAL : PRIVILEGE_REFUSAL),
    });

    expect(await rowsOf(table!, b), `${name}: B rows unchanged`).toEqual(bRows);
    expect(await rowsOf(table!, a), `${name}: A rows unchanged`).toEqual(aRows);
  });
});
