import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../../../test/app.js';
import { createTenant, type TestTenant } from '../../../test/factories.js';
import { idsOf } from '../../../test/records.js';
import { loadCursorKey } from '../db/secrets.js';
import { withPlatformTxBypassingRls, withTenantTx } from '../db/transactions.js';
import { COMMON_SORTS, sortByColumn } from './filters.js';
import { listRecords } from './read-records.js';
import type { ListSpec, RecordTable } from './record-table.js';

let t: TestApp;
let acme: TestTenant;
let other: TestTenant;
const ROWS = 2000;

/** `count` sites of a tenant in one statement; every tenth has no shift start. */
async function insertSites(
  tenant: TestTenant,
  count: number,
  prefix: string,
  from = '2026-01-01',
): Promise<void> {
  await withPlatformTxBypassingRls(t.database.db, (tx) =>
    sql`
      insert into sites (tenant_id, code, name, timezone, shift_start, created_at)
      select ${tenant.id}, ${prefix} || lpad(n::text, 6, '0'), 'Site ' || n, 'UTC',
             case when n % 10 = 0 then null else lpad((n % 24)::text, 2, '0') || ':00' end,
             -- many rows share a creation time, so the id must break ties
             ${from}::timestamptz + make_interval(secs => n / 7)
      from generate_series(1, ${count}) n`.execute(tx),
  );
}

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  other = await createTenant(t, 'Other');
  await insertSites(acme, ROWS, 'S');
});
afterAll(() => t.close());

const list = (token: string, query: string) =>
  call(t, token, { method: 'GET', url: `/api/v1/sites?${query}` });

/** Follows next_cursor from the first page to the last; returns every id in order. */
async function walk(query: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let response = await list(acme.adminToken, query);
  let pages = 1;
  for (;;) {
    expect(response.statusCode, response.body).toBe(200);
    ids.push(...idsOf(response));
    const cursor = (response.data.pagination as { next_cursor: string | null }).next_cursor;
    if (!cursor) break;
    response = await list(acme.adminToken, `${query}&cursor=${encodeURIComponent(cursor)}`);
    pages += 1;
  }
  return { ids, pages };
}

async function idsInOrder(orderBy: string): Promise<string[]> {
  const { rows } = await withPlatformTxBypassingRls(t.database.db, (tx) =>
    sql<{ id: string }>`
      select id from sites where tenant_id = ${acme.id} and deleted_at is null
      order by ${sql.raw(orderBy)}`.execute(tx),
  );
  return rows.map((row) => row.id);
}

describe('hybrid pagination', () => {
  it('walks 2,000 rows by cursor, each exactly once and in order', async () => {
    const { ids, pages } = await walk('page_size=100&sort=-created_at');
    expect(pages).toBe(ROWS / 100);
    expect(new Set(ids).size).toBe(ROWS);
    expect(ids).toEqual(await idsInOrder('created_at desc, id desc'));
  });

  it('walks in ascending order too, and agrees with offset pages', async () => {
    const { ids } = await walk('page_size=100&sort=created_at');
    expect(ids).toEqual(await idsInOrder('created_at, id'));
    const third = await list(acme.adminToken, 'page_size=100&sort=created_at&page=3');
    expect(idsOf(third)).toEqual(ids.slice(200, 300));
  });

  it('describes each page: totals, position and the way on', async () => {
    const first = await list(acme.adminToken, 'page_size=50');
    expect(first.data.pagination).toMatchObject({
      type: 'offset',
      page: 1,
      page_size: 50,
      total_count: ROWS,
      total_count_estimated: false,
      total_pages: 40,
      has_next: true,
      has_previous: false,
      next_cursor: expect.any(String),
    });
    const cursor = (first.data.pagination as { next_cursor: string }).next_cursor;
    const second = await list(acme.adminToken, `page_size=50&cursor=${cursor}`);
    expect(second.data.pagination).toMatchObject({
      type: 'cursor',
      page: 2,
      has_previous: true,
      total_count: ROWS,
      total_count_estimated: true,
    });
    const last = await list(acme.adminToken, 'page_size=50&page=40');
    expect(last.data.pagination).toMatchObject({ has_next: false, next_cursor: null });
    expect(idsOf(last)).toHaveLength(50);
  });

  it('counts once per walk, and never reports fewer rows or pages than it has shown', async () => {
    const small = await createTenant(t, 'Small');
    await insertSites(small, 5, 'W');
    const walk = (query: string) =>
      call(t, small.adminToken, {
        method: 'GET',
        url: `/api/v1/sites?page_size=2&sort=created_at${query}`,
      });
    let response = await walk('');
    expect(response.data.pagination).toMatchObject({ total_count: 5, total_pages: 3 });
    await insertSites(small, 7, 'X', '2026-02-01');
    let shown = idsOf(response).length;
    for (;;) {
      const pagination = response.data.pagination as {
        page: number;
        total_count: number;
        total_pages: number;
        has_next: boolean;
        next_cursor: string | null;
      };
      expect(pagination.total_pages).toBeGreaterThanOrEqual(
        pagination.page + (pagination.has_next ? 1 : 0),
      );
      expect(pagination.total_count).toBeGreaterThanOrEqual(shown);
      if (!pagination.next_cursor) break;
      response = await walk(`&cursor=${pagination.next_cursor}`);
      shown += idsOf(response).length;
    }
    expect(shown).toBe(12);
  });

  it('answers page 41 without a cursor with 400 CURSOR_REQUIRED', async () => {
    const deep = await list(acme.adminToken, 'page=41');
    expect(deep.statusCode).toBe(400);
    expect(deep.data.error).toMatchObject({ code: 'CURSOR_REQUIRED' });
    expect((await list(acme.adminToken, 'page=40')).statusCode).toBe(200);
  });

  it('refuses a tampered cursor, and one from another tenant or another query', async () => {
    const first = await list(acme.adminToken, 'page_size=10&sort=name');
    const cursor = (first.data.pagination as { next_cursor: string }).next_cursor;
    const [body, signature] = cursor.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { p: number };
    const forgedBody = Buffer.from(JSON.stringify({ ...payload, p: 7 })).toString('base64url');
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    for (const bad of [`${forgedBody}.${signature}`, `${body}.${flipped}`, 'garbage', `${body}.`]) {
      const response = await list(acme.adminToken, `page_size=10&sort=name&cursor=${bad}`);
      expect(response.statusCode, bad).toBe(400);
      expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    const foreign = await list(other.adminToken, `page_size=10&sort=name&cursor=${cursor}`);
    expect(foreign.statusCode).toBe(400);
    const otherSort = await list(acme.adminToken, `page_size=10&sort=code&cursor=${cursor}`);
    expect(otherSort.statusCode).toBe(400);
    const otherFilter = await list(
      acme.adminToken,
      `page_size=10&sort=name&timezone=UTC&cursor=${cursor}`,
    );
    expect(otherFilter.statusCode).toBe(400);
    expect(
      (await list(acme.adminToken, `page_size=10&sort=name&cursor=${cursor}`)).statusCode,
    ).toBe(200);
  });

  it('keeps rows with no sort value last, in both directions', async () => {
    const table: RecordTable = {
      table: 'sites',
      entityType: 'site',
      entityName: 'Site',
      columns: ['shift_start'],
    };
    const spec: ListSpec = {
      sorts: { ...COMMON_SORTS, shift_start: sortByColumn('shift_start', 'text', true) },
      defaultSort: 'shift_start',
      filters: {},
    };
    const ctx = {
      db: t.database.db,
      tenantId: acme.id,
      cursorKey: await loadCursorKey(t.database.db),
    };
    for (const [sort, order] of [
      ['shift_start', 'shift_start asc nulls last, id asc'],
      ['-shift_start', 'shift_start desc nulls last, id desc'],
    ] as const) {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await withTenantTx(ctx, (tx) =>
          listRecords(tx, ctx, table, spec, { sort, page_size: 100, cursor }),
        );
        ids.push(...page.data.map((row) => row.id as string));
        cursor = page.pagination.next_cursor ?? undefined;
      } while (cursor);
      expect(ids, sort).toEqual(await idsInOrder(order));
    }
  });

  it('counts exactly up to 10,000 and estimates beyond', async () => {
    const big = await createTenant(t, 'Big');
    await insertSites(big, 10_050, 'B');
    const page = await list(big.adminToken, 'page_size=100');
    expect(page.statusCode).toBe(200);
    const pagination = page.data.pagination as {
      total_count: number;
      total_count_estimated: boolean;
    };
    expect(pagination.total_count_estimated).toBe(true);
    expect(pagination.total_count).toBeGreaterThan(10_000);
    const few = await list(acme.adminToken, 'page_size=100&code=S000001');
    expect(few.data.pagination).toMatchObject({ total_count: 1, total_count_estimated: false });
  });
});
