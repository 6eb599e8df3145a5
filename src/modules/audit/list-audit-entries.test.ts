import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPlatformTxBypassingRls } from '../../platform/db/transactions.js';
import { buildTestApp, call, type Body, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { createRecord } from '../../../test/records.js';
import { AUDIT_EVENT_TYPES } from '../../platform/audit/record-audit.js';

/**
 * GET /api/v1/audit-logs (SPEC §7 "Read"): every filter alone and combined over thousands of
 * entries, cursors walked to the end, the detail objects, validation, permission and tenancy.
 */

let t: TestApp;
let acme: TestTenant;
let other: TestTenant;

const SEEDED = 3000;
const ENTITY_TYPES = ['work_order', 'ticket', 'site'];
const CORRELATIONS = Array.from({ length: 10 }, () => randomUUID());
const ENTITIES = Array.from({ length: 7 }, () => randomUUID());
const ACTORS = [randomUUID(), randomUUID(), randomUUID(), null];
const BASE = Date.parse('2024-03-01T00:00:00Z');

interface SeedRow {
  id: string;
  correlation_id: string;
  event_type: string;
  entity_type: string;
  entity_id: string;
  actor_id: string | null;
  created_at: string;
  seq: number;
}

/** Entry `i` of the seeded trail: three entries share each second, so ids break the ties. */
function seedRow(i: number): SeedRow {
  return {
    id: randomUUID(),
    correlation_id: CORRELATIONS[i % CORRELATIONS.length]!,
    event_type: AUDIT_EVENT_TYPES[i % AUDIT_EVENT_TYPES.length]!,
    entity_type: ENTITY_TYPES[Math.floor(i / 2) % ENTITY_TYPES.length]!,
    entity_id: ENTITIES[i % ENTITIES.length]!,
    actor_id: ACTORS[i % ACTORS.length]!,
    created_at: new Date(BASE + Math.floor(i / 3) * 1000).toISOString(),
    seq: i,
  };
}

/** Inserts entries straight into the table, as the owner (the app role may only add its own). */
async function seed(tenantId: string, rows: readonly SeedRow[]): Promise<void> {
  await withPlatformTxBypassingRls(t.database.db, async (tx) => {
    for (let start = 0; start < rows.length; start += 1000) {
      const batch = rows.slice(start, start + 1000).map(({ seq, ...row }) => ({
        ...row,
        tenant_id: tenantId,
        metadata: { seq },
        changes: null,
        security_flags: [],
        retention_until: '2100-01-01T00:00:00Z',
      }));
      await sql`insert into audit_entries
        select * from json_populate_recordset(null::audit_entries, ${JSON.stringify(batch)})`.execute(
        tx,
      );
    }
  });
}

let seeded: SeedRow[];

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  other = await createTenant(t, 'Other');
  seeded = Array.from({ length: SEEDED }, (_, i) => seedRow(i));
  await seed(acme.id, seeded);
  // The other tenant's trail shares actors, entities and correlation ids with acme's.
  await seed(
    other.id,
    Array.from({ length: 300 }, (_, i) => seedRow(i)),
  );
}, 120_000);
afterAll(() => t.close());

const list = (token: string, query: Record<string, string | number>) => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) search.set(name, String(value));
  return call(t, token, { method: 'GET', url: `/api/v1/audit-logs?${search}` });
};

/** Every page from page 1 by cursor; each page's ids in order. */
async function walk(token: string, query: Record<string, string>, pageSize = 100) {
  const ids: string[] = [];
  let response = await list(token, { ...query, page_size: pageSize });
  expect(response.statusCode, response.body).toBe(200);
  const first = response.data.pagination as Body;
  for (;;) {
    ids.push(...(response.data.data as { id: string }[]).map((entry) => entry.id));
    const cursor = (response.data.pagination as Body).next_cursor as string | null;
    if (!cursor) break;
    response = await list(token, { ...query, page_size: pageSize, cursor });
    expect(response.statusCode, response.body).toBe(200);
  }
  return { ids, first };
}

/** The same filters read straight from the table, past row-level security: the expected ids. */
async function expectedIds(tenantId: string, query: Record<string, string>): Promise<string[]> {
  return withPlatformTxBypassingRls(t.database.db, async (tx) => {
    let select = tx.selectFrom('audit_entries').select('id').where('tenant_id', '=', tenantId);
    for (const [name, value] of Object.entries(query)) {
      if (name === 'from') select = select.where('created_at', '>=', new Date(value));
      else if (name === 'to') select = select.where('created_at', '<', new Date(value));
      else select = select.where(name as 'entity_id', '=', value);
    }
    const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    return rows.map((row) => row.id);
  });
}

const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();

const FILTERS: [string, Record<string, string>, (row: SeedRow) => boolean][] = [
  [
    'correlation_id',
    { correlation_id: CORRELATIONS[3]! },
    (r) => r.correlation_id === CORRELATIONS[3],
  ],
  ['entity_type', { entity_type: 'ticket' }, (r) => r.entity_type === 'ticket'],
  ['entity_id', { entity_id: ENTITIES[2]! }, (r) => r.entity_id === ENTITIES[2]],
  ['event_type', { event_type: 'BULK_OPERATION' }, (r) => r.event_type === 'BULK_OPERATION'],
  ['actor_id', { actor_id: ACTORS[1]! }, (r) => r.actor_id === ACTORS[1]],
  ['from (inclusive)', { from: at(900) }, (r) => r.created_at >= at(900)],
  ['to (exclusive)', { to: at(100) }, (r) => r.created_at < at(100)],
  [
    'from and to',
    { from: at(100), to: at(200) },
    (r) => r.created_at >= at(100) && r.created_at < at(200),
  ],
  [
    'all of them',
    {
      entity_type: 'work_order',
      event_type: 'UPDATED',
      actor_id: ACTORS[1]!,
      entity_id: ENTITIES[5]!,
      from: at(10),
      to: at(990),
    },
    (r) =>
      r.entity_type === 'work_order' &&
      r.event_type === 'UPDATED' &&
      r.actor_id === ACTORS[1] &&
      r.entity_id === ENTITIES[5] &&
      r.created_at >= at(10) &&
      r.created_at < at(990),
  ],
  [
    'correlation and entity type',
    { correlation_id: CORRELATIONS[0]!, entity_type: 'site' },
    (r) => r.correlation_id === CORRELATIONS[0] && r.entity_type === 'site',
  ],
];

describe('filters and cursors', () => {
  it('walks the whole trail by cursor, newest first, every entry exactly once', async () => {
    const { ids, first } = await walk(acme.adminToken, {});
    const expected = await expectedIds(acme.id, {});
    expect(expected.length).toBeGreaterThan(SEEDED);
    expect(ids).toEqual(expected);
    expect(new Set(ids).size).toBe(ids.length);
    expect(first).toMatchObject({ type: 'offset', page: 1, total_count: expected.length });
  });

  it.each(FILTERS)('filters by %s', async (_name, query, matches) => {
    const { ids, first } = await walk(acme.adminToken, query, 50);
    const expected = await expectedIds(acme.id, query);
    // The seeded entries that match, and no other seeded one (entries the tests write may too).
    const seededIds = new Set(seeded.map((r) => r.id));
    const matching = seeded.filter(matches).map((r) => r.id);
    expect(matching.length).toBeGreaterThan(0);
    expect(expected.filter((id) => seededIds.has(id)).sort()).toEqual(matching.sort());
    expect(ids).toEqual(expected);
    expect(first.total_count).toBe(expected.length);
  });

  it('pages by offset consistently with the cursor walk', async () => {
    const page2 = await list(acme.adminToken, { entity_type: 'ticket', page: 2, page_size: 30 });
    expect(page2.statusCode).toBe(200);
    const expected = await expectedIds(acme.id, { entity_type: 'ticket' });
    expect((page2.data.data as Body[]).map((e) => e.id)).toEqual(expected.slice(30, 60));
    expect(page2.data.pagination).toMatchObject({ type: 'offset', page: 2, has_previous: true });
  });

  it('refuses a cursor with other filters, and pages past 40 without one', async () => {
    const first = await list(acme.adminToken, { entity_type: 'ticket', page_size: 10 });
    const cursor = (first.data.pagination as Body).next_cursor as string;
    const moved = await list(acme.adminToken, { entity_type: 'site', page_size: 10, cursor });
    expect(moved.statusCode).toBe(400);
    expect(moved.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    const deep = await list(acme.adminToken, { page: 41 });
    expect(deep.data.error).toMatchObject({ code: 'CURSOR_REQUIRED' });
  });

  it('returns every field of an entry', async () => {
    const response = await list(acme.adminToken, { entity_id: ENTITIES[0]!, page_size: 1 });
    const [entry] = response.data.data as Body[];
    const row = seeded.find((r) => r.id === entry!.id)!;
    expect(entry).toEqual({
      id: row.id,
      tenant_id: acme.id,
      correlation_id: row.correlation_id,
      event_type: row.event_type,
      entity_type: row.entity_type,
      entity_id: row.entity_id,
      actor_id: row.actor_id,
      changes: null,
      metadata: { seq: row.seq },
      ip_address: null,
      user_agent: null,
      security_flags: [],
      created_at: row.created_at,
      retention_until: '2100-01-01T00:00:00.000Z',
      state_transition: null,
      bulk_operation: null,
      permission_denial: null,
    });
  });
});

describe('validation', () => {
  it.each([
    ['entity_id', 'not-a-uuid'],
    ['correlation_id', '1234'],
    ['actor_id', "x' or 1=1 --"],
    ['event_type', 'EXPLODED'],
    ['entity_type', 'Work Order'],
    ['from', 'yesterday'],
    ['to', '2024-13-01T00:00:00Z'],
    ['colour', 'red'],
    ['page_size', '101'],
  ])('refuses %s=%s with 400', async (name, value) => {
    const response = await list(acme.adminToken, { [name]: value });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('refuses from later than to, and accepts them equal', async () => {
    const later = await list(acme.adminToken, { from: at(10), to: at(5) });
    expect(later.statusCode).toBe(400);
    expect(later.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    const equal = await list(acme.adminToken, { from: at(10), to: at(10) });
    expect(equal.statusCode).toBe(200);
    expect(equal.data.data).toEqual([]);
  });
});

describe('tenancy and permission', () => {
  it("never shows another tenant's entries", async () => {
    const { ids } = await walk(other.adminToken, { correlation_id: CORRELATIONS[1]! });
    const acmeIds = new Set(seeded.map((r) => r.id));
    expect(ids.length).toBe(30);
    expect(ids.some((id) => acmeIds.has(id))).toBe(false);
    const all = await walk(other.adminToken, {});
    expect(all.ids.some((id) => acmeIds.has(id))).toBe(false);
  });

  it('answers 403 without audit.view, and audits the denial', async () => {
    const clerk = await createPersonWith(t, acme, ['tickets.view']);
    const denied = await list(clerk.token, {});
    expect(denied.statusCode).toBe(403);
    expect(denied.data.error).toMatchObject({
      code: 'PERMISSION_DENIED',
      details: { required_permission: 'audit.view' },
    });
    const entries = await list(acme.adminToken, {
      correlation_id: denied.headers['x-correlation-id'] as string,
    });
    expect(entries.data.data).toEqual([
      expect.objectContaining({
        event_type: 'PERMISSION_DENIED',
        actor_id: clerk.id,
        permission_denial: {
          required_permission: 'audit.view',
          action_attempted: 'GET /api/v1/audit-logs',
          risk_level: 'LOW',
        },
        state_transition: null,
        bulk_operation: null,
      }),
    ]);
  });
});

describe('detail objects', () => {
  it('shows a transition, a bulk request and their correlation', async () => {
    const ticket = await createRecord(t, acme.adminToken, 'tickets', { title: 'Lift stuck' });
    const moved = await call(t, acme.adminToken, {
      method: 'POST',
      url: `/api/v1/tickets/${ticket.id}/transitions`,
      payload: { target_state: 'OPEN' },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const transition = await list(acme.adminToken, {
      correlation_id: moved.headers['x-correlation-id'] as string,
    });
    expect(transition.data.data).toEqual([
      expect.objectContaining({
        event_type: 'STATE_CHANGED',
        entity_type: 'ticket',
        entity_id: ticket.id,
        actor_id: acme.adminId,
        state_transition: {
          from_state: 'NEW',
          to_state: 'OPEN',
          transition_reason: null,
          transition_duration_seconds: expect.any(Number),
        },
        bulk_operation: null,
        permission_denial: null,
      }),
    ]);

    const bulk = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/tickets/bulk/transition',
      payload: { ids: [ticket.id], target_state: 'INPROGRESS', comments: 'On it' },
    });
    expect(bulk.statusCode, bulk.body).toBe(200);
    const entries = await list(acme.adminToken, {
      correlation_id: bulk.data.audit_correlation_id as string,
      event_type: 'BULK_OPERATION',
    });
    expect(entries.data.data).toEqual([
      expect.objectContaining({
        entity_type: 'ticket',
        state_transition: null,
        permission_denial: null,
        bulk_operation: {
          operation_type: 'ticket.transition',
          total_items: 1,
          successful_items: 1,
          failed_items: 0,
          failure_details: {},
          execution_time_ms: expect.any(Number),
          was_rolled_back: false,
        },
      }),
    ]);
    const changed = await list(acme.adminToken, {
      correlation_id: bulk.data.audit_correlation_id as string,
      event_type: 'STATE_CHANGED',
    });
    expect((changed.data.data as Body[])[0]?.state_transition).toMatchObject({
      from_state: 'OPEN',
      to_state: 'INPROGRESS',
      transition_reason: 'On it',
    });
  });
});
