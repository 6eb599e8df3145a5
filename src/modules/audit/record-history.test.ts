import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type Body, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { createRecord, RECORD_SAMPLES } from '../../../test/records.js';
import { HISTORY_PATHS } from './history-paths.js';

/**
 * GET /api/v1/<path>/{id}/history for every record path of SPEC §4: what HTTP writes shows up,
 * newest first; a work order's includes its line items; 404 outside the tenant; audit.view.
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

/** Each path's sample creation body and change, by path. */
const RECORDS = Object.fromEntries(RECORD_SAMPLES.map((sample) => [sample.path, sample]));

const history = (token: string, path: string, id: string, query = '') =>
  call(t, token, { method: 'GET', url: `/api/v1/${path}/${id}/history${query}` });

const eventsOf = (response: { data: Body }) =>
  (response.data.data as Body[]).map((entry) => [entry.event_type, entry.entity_type]);

it('covers every record path of SPEC §4', () => {
  expect(HISTORY_PATHS.map((p) => p.path).sort()).toEqual(Object.keys(RECORDS).sort());
});

describe.each(HISTORY_PATHS)('GET /api/v1/$path/{id}/history', ({ path, entityType }) => {
  it('shows creation, change and deletion, newest first, and outlives the record', async () => {
    const { body, change } = RECORDS[path]!;
    const record = await createRecord(t, acme.adminToken, path, await body(t, acme));
    const patched = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/${path}/${record.id}`,
      payload: change,
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const deleted = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/${path}/${record.id}`,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);

    const response = await history(acme.adminToken, path, record.id);
    expect(response.statusCode, response.body).toBe(200);
    expect(eventsOf(response)).toEqual([
      ['DELETED', entityType],
      ['UPDATED', entityType],
      ['CREATED', entityType],
    ]);
    const [, updated] = response.data.data as Body[];
    expect(updated).toMatchObject({
      entity_id: record.id,
      actor_id: acme.adminId,
      correlation_id: patched.headers['x-correlation-id'],
      changes: Object.fromEntries(
        Object.entries(change).map(([field, value]) => [
          field,
          expect.objectContaining({ new: value }),
        ]),
      ),
    });
    expect(response.data.pagination).toMatchObject({ total_count: 3, has_next: false });
  });

  it("answers 404 for another tenant's record and for an unknown id", async () => {
    const theirs = await createRecord(
      t,
      other.adminToken,
      path,
      await RECORDS[path]!.body(t, other),
    );
    for (const id of [theirs.id, randomUUID()]) {
      const response = await history(acme.adminToken, path, id);
      expect(response.statusCode).toBe(404);
      expect(response.data.error).toMatchObject({ code: 'ENTITY_NOT_FOUND' });
    }
    expect((await history(other.adminToken, path, theirs.id)).statusCode).toBe(200);
  });
});

describe('a work order', () => {
  it("includes its line items' entries, deleted items too, and its transitions", async () => {
    const order = await createRecord(
      t,
      acme.adminToken,
      'work-orders',
      await RECORDS['work-orders']!.body(t, acme),
    );
    const items = `work-orders/${order.id}/line-items`;
    const item = await createRecord(t, acme.adminToken, items, { description: 'Isolate power' });
    const answered = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/${items}/${item.id}`,
      payload: { done: true },
    });
    expect(answered.statusCode, answered.body).toBe(200);
    const removed = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/${items}/${item.id}`,
    });
    expect(removed.statusCode, removed.body).toBe(204);
    const submitted = await call(t, acme.adminToken, {
      method: 'POST',
      url: `/api/v1/work-orders/${order.id}/transitions`,
      payload: { target_state: 'SUBMITTED' },
    });
    expect(submitted.statusCode, submitted.body).toBe(200);
    // Another work order's item stays out of this one's history.
    const second = await createRecord(
      t,
      acme.adminToken,
      'work-orders',
      await RECORDS['work-orders']!.body(t, acme),
    );
    await createRecord(t, acme.adminToken, `work-orders/${second.id}/line-items`, {
      description: 'Not ours',
    });

    const response = await history(acme.adminToken, 'work-orders', order.id);
    expect(eventsOf(response)).toEqual([
      ['STATE_CHANGED', 'work_order'],
      ['DELETED', 'work_order_line_item'],
      ['UPDATED', 'work_order_line_item'],
      ['CREATED', 'work_order_line_item'],
      ['CREATED', 'work_order'],
    ]);
    expect((response.data.data as Body[])[0]?.state_transition).toMatchObject({
      from_state: 'DRAFT',
      to_state: 'SUBMITTED',
    });
    expect((response.data.data as Body[])[1]).toMatchObject({ entity_id: item.id });
  });

  it('pages a long history by cursor, each entry once', async () => {
    const ticket = await createRecord(t, acme.adminToken, 'tickets', { title: 'Leak' });
    for (let i = 0; i < 6; i += 1) {
      const patched = await call(t, acme.adminToken, {
        method: 'PATCH',
        url: `/api/v1/tickets/${ticket.id}`,
        payload: { title: `Leak ${i}` },
      });
      expect(patched.statusCode).toBe(200);
    }
    const ids: string[] = [];
    let query = '?page_size=2';
    for (let pages = 0; pages < 10; pages += 1) {
      const response = await history(acme.adminToken, 'tickets', ticket.id, query);
      expect(response.statusCode, response.body).toBe(200);
      ids.push(...(response.data.data as Body[]).map((entry) => entry.id as string));
      const cursor = (response.data.pagination as Body).next_cursor as string | null;
      if (!cursor) break;
      query = `?page_size=2&cursor=${encodeURIComponent(cursor)}`;
    }
    expect(ids).toHaveLength(7);
    expect(new Set(ids).size).toBe(7);
  });
});

describe('permission', () => {
  it('answers 403 without audit.view, and audits the denial', async () => {
    const ticket = await createRecord(t, acme.adminToken, 'tickets', { title: 'Squeak' });
    const agent = await createPersonWith(t, acme, ['tickets.view', 'tickets.update']);
    const denied = await history(agent.token, 'tickets', ticket.id);
    expect(denied.statusCode).toBe(403);
    expect(denied.data.error).toMatchObject({
      code: 'PERMISSION_DENIED',
      details: { required_permission: 'audit.view' },
    });
    const entries = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/audit-logs?correlation_id=${denied.headers['x-correlation-id']}`,
    });
    expect(entries.data.data).toEqual([
      expect.objectContaining({
        event_type: 'PERMISSION_DENIED',
        actor_id: agent.id,
        permission_denial: expect.objectContaining({
          required_permission: 'audit.view',
          action_attempted: 'GET /api/v1/tickets/:id/history',
        }),
      }),
    ]);
  });

  it('refuses a malformed id with 400', async () => {
    const response = await history(acme.adminToken, 'tickets', 'not-a-uuid');
    expect(response.statusCode).toBe(400);
    expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});
