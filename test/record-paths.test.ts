import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type Body, type TestApp } from './app.js';
import { createPersonWith, createTenant, type TestTenant } from './factories.js';
import { auditOf, createRecord, idsOf, RECORD_SAMPLES } from './records.js';

/**
 * The contract every record path of SPEC §4 and §5 keeps, checked the same way for each: ETags,
 * another tenant's records as missing, unknown fields, stale versions (409 in the body, 412 in
 * If-Match), the tenant setting require_if_match (428), soft delete, and one audit entry a write.
 */

let t: TestApp;
let acme: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  other = await createTenant(t, 'Other');
});
afterAll(() => t.close());

/** The table behind a path, where the names differ. */
const TABLES: Record<string, string> = {
  'work-orders': 'work_orders',
  'task-templates': 'task_templates',
  attendance: 'attendance_records',
};

const PATHS = RECORD_SAMPLES;

const request = (
  tenant: TestTenant,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: Body,
  headers: Record<string, string> = {},
) =>
  call(t, tenant.adminToken, {
    method,
    url: `/api/v1/${url}`,
    headers,
    ...(payload ? { payload } : {}),
  });

async function eventsOf(id: string): Promise<string[]> {
  return (await auditOf(t, id)).map((entry) => entry.event_type);
}

describe.each(PATHS)('/api/v1/$path', ({ path, body, change }) => {
  it('creates with ETag "1" and reads it back, audited once', async () => {
    const created = await request(acme, 'POST', path, await body(t, acme));
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.data).toMatchObject({
      tenant_id: acme.id,
      version: 1,
      created_by: acme.adminId,
    });
    const read = await request(acme, 'GET', `${path}/${created.data.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    expect(read.data).toEqual(created.data);
    expect(await eventsOf(created.data.id as string)).toEqual(['CREATED']);
  });

  it("treats another tenant's record as missing, and leaves it alone", async () => {
    const theirs = await createRecord(t, other.adminToken, path, await body(t, other));
    for (const [method, payload] of [
      ['GET', undefined],
      ['PATCH', change],
      ['DELETE', undefined],
    ] as const) {
      const response = await request(acme, method, `${path}/${theirs.id}`, payload);
      expect(response.statusCode, method).toBe(404);
      expect(response.data.error).toMatchObject({ code: 'ENTITY_NOT_FOUND' });
    }
    expect(idsOf(await request(acme, 'GET', `${path}?page_size=100`))).not.toContain(theirs.id);
    const still = await request(other, 'GET', `${path}/${theirs.id}`);
    expect(still.data).toMatchObject({ version: 1 });
    expect(await eventsOf(theirs.id)).toEqual(['CREATED']);
  });

  it('refuses unknown fields and status with 400', async () => {
    const valid = await body(t, acme);
    for (const extra of [{ colour: 'red' }, { status: 'CLOSED' }, { tenant_id: other.id }]) {
      const created = await request(acme, 'POST', path, { ...valid, ...extra });
      expect(created.statusCode, JSON.stringify(extra)).toBe(400);
      expect(created.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    const record = await createRecord(t, acme.adminToken, path, valid);
    for (const extra of [{ colour: 'red' }, { status: 'CLOSED' }, { id: randomUUID() }]) {
      const patched = await request(acme, 'PATCH', `${path}/${record.id}`, { ...change, ...extra });
      expect(patched.statusCode, JSON.stringify(extra)).toBe(400);
      expect(patched.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    expect(await eventsOf(record.id)).toEqual(['CREATED']);
  });

  it('answers a stale body version with 409 and a stale If-Match with 412', async () => {
    const record = await createRecord(t, acme.adminToken, path, await body(t, acme));
    const first = await request(acme, 'PATCH', `${path}/${record.id}`, { ...change, version: 1 });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers.etag).toBe('"2"');
    const stale = await request(acme, 'PATCH', `${path}/${record.id}`, { ...change, version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.data).toEqual({
      error: {
        code: 'CONCURRENCY_ERROR',
        message: 'This record was modified by another user',
        current_version: 2,
        your_version: 1,
        retry_instructions: 'Please refresh and try again',
      },
      status: 409,
    });
    const staleHeader = await request(acme, 'PATCH', `${path}/${record.id}`, change, {
      'if-match': '"1"',
    });
    expect(staleHeader.statusCode).toBe(412);
    expect(staleHeader.data).toMatchObject({ error: { current_version: 2 }, status: 412 });
    const staleDelete = await request(acme, 'DELETE', `${path}/${record.id}`, undefined, {
      'if-match': '"1"',
    });
    expect(staleDelete.statusCode).toBe(412);
    expect(await eventsOf(record.id)).toEqual(['CREATED', 'UPDATED']);
  });

  it('soft-deletes: gone from reads and lists, audited, and no longer writable', async () => {
    const record = await createRecord(t, acme.adminToken, path, await body(t, acme));
    const deleted = await request(acme, 'DELETE', `${path}/${record.id}`, undefined, {
      'if-match': '"1"',
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect((await request(acme, 'GET', `${path}/${record.id}`)).statusCode).toBe(404);
    expect((await request(acme, 'PATCH', `${path}/${record.id}`, change)).statusCode).toBe(404);
    expect(idsOf(await request(acme, 'GET', `${path}?page_size=100`))).not.toContain(record.id);
    expect(await eventsOf(record.id)).toEqual(['CREATED', 'DELETED']);
    const { rows } = await sql<{ deleted_at: Date | null; version: number }>`
      select deleted_at, version from ${sql.table(TABLES[path] ?? path)}
      where id = ${record.id}`.execute(t.database.db);
    expect(rows, 'the row is kept').toEqual([{ deleted_at: expect.any(Date), version: 2 }]);
  });

  it('applies a write that names no version to the current one (last write wins)', async () => {
    const record = await createRecord(t, acme.adminToken, path, await body(t, acme));
    for (const expected of [2, 3]) {
      const blind = await request(acme, 'PATCH', `${path}/${record.id}`, change);
      expect(blind.statusCode, blind.body).toBe(200);
      expect(blind.data.version).toBe(expected);
    }
    expect(await eventsOf(record.id)).toEqual(['CREATED', 'UPDATED', 'UPDATED']);
  });
});

describe('a tenant that requires If-Match', () => {
  let strict: TestTenant;

  beforeAll(async () => {
    strict = await createTenant(t, 'Strict');
    const set = await request(strict, 'PATCH', 'tenant', { require_if_match: true });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.data).toMatchObject({ require_if_match: true, version: 2 });
  });

  it.each(PATHS)(
    'answers /api/v1/$path writes without a version with 428',
    async ({ path, body, change }) => {
      const record = await createRecord(t, strict.adminToken, path, await body(t, strict));
      const blind = await request(strict, 'PATCH', `${path}/${record.id}`, change);
      expect(blind.statusCode).toBe(428);
      expect(blind.data.error).toMatchObject({ code: 'PRECONDITION_REQUIRED' });
      const blindDelete = await request(strict, 'DELETE', `${path}/${record.id}`);
      expect(blindDelete.statusCode).toBe(428);
      const named = await request(strict, 'PATCH', `${path}/${record.id}`, change, {
        'if-match': '"1"',
      });
      expect(named.statusCode, named.body).toBe(200);
      const inBody = await request(strict, 'PATCH', `${path}/${record.id}`, {
        ...change,
        version: 2,
      });
      expect(inBody.statusCode, inBody.body).toBe(200);
      expect(await eventsOf(record.id)).toEqual(['CREATED', 'UPDATED', 'UPDATED']);
    },
  );

  it('audits the setting itself, and needs tenant.admin to change it', async () => {
    const audit = await auditOf(t, strict.id);
    const updates = audit.filter(
      (entry) => entry.entity_type === 'tenant' && entry.event_type === 'UPDATED',
    );
    expect(updates).toEqual([
      expect.objectContaining({
        event_type: 'UPDATED',
        changes: { require_if_match: { old: false, new: true } },
      }),
    ]);
    const stale = await request(strict, 'PATCH', 'tenant', { payroll_grace_days: 5, version: 1 });
    expect(stale.statusCode).toBe(409);
    const blind = await request(strict, 'PATCH', 'tenant', { payroll_grace_days: 5 });
    expect(blind.statusCode).toBe(428);
    const clerk = await createPersonWith(t, strict, ['sites.manage']);
    const denied = await call(t, clerk.token, {
      method: 'PATCH',
      url: '/api/v1/tenant',
      payload: { require_if_match: false },
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.data.error).toMatchObject({ details: { required_permission: 'tenant.admin' } });
  });
});
