import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, call, onPostgres, type Body, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { auditOf, createRecord, createSite } from '../../../test/records.js';
import { withPlatformTxBypassingRls } from '../../platform/db/transactions.js';

let t: TestApp;
let acme: TestTenant;
let other: TestTenant;
let site: string;

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  other = await createTenant(t, 'Other');
  site = (await createSite(t, acme.adminToken)).id;
});
afterAll(() => t.close());

type Item = Body & { id: string; seq: number; version: number };

const itemsPath = (workOrderId: string) => `/api/v1/work-orders/${workOrderId}/line-items`;

async function newWorkOrder(tenant = acme, siteId = site, lineItems: Body[] = []) {
  return createRecord(t, tenant.adminToken, 'work-orders', {
    title: 'Quarterly inspection',
    site_id: siteId,
    line_items: lineItems,
  });
}

async function addItem(workOrderId: string, payload: Body): Promise<Item> {
  const response = await call(t, acme.adminToken, {
    method: 'POST',
    url: itemsPath(workOrderId),
    payload,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.data as Item;
}

async function listItems(workOrderId: string, token = acme.adminToken) {
  const response = await call(t, token, { method: 'GET', url: itemsPath(workOrderId) });
  expect(response.statusCode, response.body).toBe(200);
  return response.data.data as Item[];
}

describe('work order line items', () => {
  let wo: Body & { id: string };
  let items: Item[];

  beforeEach(async () => {
    wo = await newWorkOrder(acme, site, [
      { description: 'Inspect filters', mandatory: true },
      { description: 'Record pressure' },
    ]);
    items = await listItems(wo.id);
  });

  it('gives the work order a new version with every item write, so its ETag follows its items', async () => {
    const etagOf = async () =>
      (await call(t, acme.adminToken, { method: 'GET', url: `/api/v1/work-orders/${wo.id}` }))
        .headers.etag;
    expect(await etagOf()).toBe('"1"');
    const added = await addItem(wo.id, { description: 'Photograph the gauge' });
    expect(await etagOf()).toBe('"2"');
    const [created] = await auditOf(t, added.id);
    expect(created!.metadata).toEqual({ work_order_id: wo.id, work_order_version: 2 });
    const patched = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `${itemsPath(wo.id)}/${added.id}`,
      payload: { done: true },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(await etagOf()).toBe('"3"');
    const removed = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `${itemsPath(wo.id)}/${added.id}`,
    });
    expect(removed.statusCode, removed.body).toBe(204);
    expect(await etagOf()).toBe('"4"');
    const stale = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/work-orders/${wo.id}`,
      payload: { title: 'Based on version 1', version: 1 },
    });
    expect(stale.statusCode).toBe(409);
  });

  it('lists the live items of a work order in seq order', async () => {
    expect(items).toEqual([
      expect.objectContaining({
        work_order_id: wo.id,
        tenant_id: acme.id,
        seq: 1,
        description: 'Inspect filters',
        mandatory: true,
        answer: null,
        done: false,
        version: 1,
        created_by: acme.adminId,
      }),
      expect.objectContaining({ seq: 2, description: 'Record pressure', mandatory: false }),
    ]);
    const late = await addItem(wo.id, { description: 'Sign off', seq: 10 });
    const early = await addItem(wo.id, { description: 'Isolate power', seq: 5 });
    expect((await listItems(wo.id)).map((item) => item.id)).toEqual([
      items[0]!.id,
      items[1]!.id,
      early.id,
      late.id,
    ]);
    const emptyOne = await newWorkOrder();
    expect(await listItems(emptyOne.id)).toEqual([]);
  });

  it('adds an item last unless given a seq, and refuses a seq a live item holds', async () => {
    const added = await call(t, acme.adminToken, {
      method: 'POST',
      url: itemsPath(wo.id),
      payload: { description: 'Clean coils', mandatory: true, answer: 'pending' },
    });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.headers.etag).toBe('"1"');
    expect(added.data).toMatchObject({
      work_order_id: wo.id,
      seq: 3,
      description: 'Clean coils',
      mandatory: true,
      answer: 'pending',
      done: false,
      version: 1,
      created_by: acme.adminId,
    });
    const placed = await addItem(wo.id, { description: 'Far away', seq: 40 });
    expect(placed.seq).toBe(40);
    expect((await addItem(wo.id, { description: 'After that' })).seq).toBe(41);

    const clash = await call(t, acme.adminToken, {
      method: 'POST',
      url: itemsPath(wo.id),
      payload: { description: 'Same place', seq: 3 },
    });
    expect(clash.statusCode).toBe(409);
    expect(clash.data.error).toMatchObject({ code: 'CONFLICT', details: { field: 'seq' } });

    const [entry, ...more] = await auditOf(t, added.data.id as string);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      event_type: 'CREATED',
      entity_type: 'work_order_line_item',
      actor_id: acme.adminId,
      metadata: { work_order_id: wo.id },
      changes: {
        seq: { old: null, new: 3 },
        description: { old: null, new: 'Clean coils' },
        mandatory: { old: null, new: true },
        answer: { old: null, new: 'pending' },
        done: { old: null, new: false },
      },
    });

    const read = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/work-orders/${wo.id}`,
    });
    expect((read.data.line_items as Item[]).map((item) => item.seq)).toEqual([1, 2, 3, 40, 41]);
    expect(read.data.version).toBe(4);
  });

  it.skipIf(!onPostgres)('gives concurrent additions without a seq distinct places', async () => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call(t, acme.adminToken, {
          method: 'POST',
          url: itemsPath(wo.id),
          payload: { description: `Step ${i}` },
        }),
      ),
    );
    expect(responses.map((response) => response.statusCode)).toEqual(Array(10).fill(201));
    const seqs = responses.map((response) => response.data.seq as number).sort((a, b) => a - b);
    expect(seqs).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('patches an item by version, auditing only the changed fields', async () => {
    const item = items[1]!;
    const url = `${itemsPath(wo.id)}/${item.id}`;
    const read = await call(t, acme.adminToken, { method: 'GET', url });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    expect(read.data).toEqual(item);

    const patched = await call(t, acme.adminToken, {
      method: 'PATCH',
      url,
      payload: { done: true, answer: '2.1 bar', description: 'Record pressure', version: 1 },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.headers.etag).toBe('"2"');
    expect(patched.data).toMatchObject({
      id: item.id,
      done: true,
      answer: '2.1 bar',
      seq: 2,
      version: 2,
      updated_by: acme.adminId,
    });

    const moved = await call(t, acme.adminToken, {
      method: 'PATCH',
      url,
      headers: { 'if-match': '"2"' },
      payload: { seq: 7 },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.data).toMatchObject({ seq: 7, version: 3 });

    const clash = await call(t, acme.adminToken, {
      method: 'PATCH',
      url,
      payload: { seq: 1 },
    });
    expect(clash.statusCode).toBe(409);
    expect(clash.data.error).toMatchObject({ code: 'CONFLICT', details: { field: 'seq' } });

    const stale = await call(t, acme.adminToken, {
      method: 'PATCH',
      url,
      payload: { done: false, version: 2 },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.data.error).toMatchObject({
      code: 'CONCURRENCY_ERROR',
      current_version: 3,
      your_version: 2,
    });
    const staleHeader = await call(t, acme.adminToken, {
      method: 'PATCH',
      url,
      headers: { 'if-match': '"1"' },
      payload: { done: false },
    });
    expect(staleHeader.statusCode).toBe(412);
    expect(staleHeader.data.error).toMatchObject({ current_version: 3, your_version: 1 });

    const audit = await auditOf(t, item.id);
    expect(audit.map((entry) => entry.event_type)).toEqual(['CREATED', 'UPDATED', 'UPDATED']);
    expect(audit[1]).toMatchObject({
      entity_type: 'work_order_line_item',
      changes: { done: { old: false, new: true }, answer: { old: null, new: '2.1 bar' } },
      metadata: { work_order_id: wo.id, version: 2 },
    });
    expect(Object.keys(audit[1]!.changes!)).toEqual(['done', 'answer']);
    expect(audit[2]!.changes).toEqual({ seq: { old: 2, new: 7 } });

    const workOrder = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/work-orders/${wo.id}`,
    });
    expect(workOrder.data.line_items).toEqual([
      expect.objectContaining({ id: items[0]!.id, seq: 1 }),
      expect.objectContaining({ id: item.id, seq: 7, done: true, answer: '2.1 bar', version: 3 }),
    ]);
  });

  it('soft-deletes an item, which frees its seq', async () => {
    const item = items[0]!;
    const url = `${itemsPath(wo.id)}/${item.id}`;
    const stale = await call(t, acme.adminToken, {
      method: 'DELETE',
      url,
      headers: { 'if-match': '"2"' },
    });
    expect(stale.statusCode).toBe(412);
    const deleted = await call(t, acme.adminToken, {
      method: 'DELETE',
      url,
      headers: { 'if-match': '"1"' },
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const gone = await call(t, acme.adminToken, {
        method,
        url,
        ...(method === 'PATCH' ? { payload: { done: true } } : {}),
      });
      expect(gone.statusCode, method).toBe(404);
    }
    expect((await listItems(wo.id)).map((live) => live.id)).toEqual([items[1]!.id]);
    const workOrder = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/work-orders/${wo.id}`,
    });
    expect((workOrder.data.line_items as Item[]).map((live) => live.id)).toEqual([items[1]!.id]);

    const [row] = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx.selectFrom('work_order_line_items').selectAll().where('id', '=', item.id).execute(),
    );
    expect(row!.deleted_at).not.toBeNull();
    expect(row!.version).toBe(2);
    const audit = await auditOf(t, item.id);
    expect(audit.map((entry) => entry.event_type)).toEqual(['CREATED', 'DELETED']);
    expect(audit[1]!.metadata).toMatchObject({ work_order_id: wo.id });

    expect((await addItem(wo.id, { description: 'Replacement', seq: 1 })).seq).toBe(1);
  });

  it("answers 404 for a missing, deleted or another tenant's work order, and for another work order's item", async () => {
    const theirSite = (await createSite(t, other.adminToken)).id;
    const theirs = await newWorkOrder(other, theirSite, [{ description: 'Theirs' }]);
    const [theirItem] = (
      await call(t, other.adminToken, { method: 'GET', url: itemsPath(theirs.id) })
    ).data.data as Item[];
    const sibling = await newWorkOrder(acme, site, [{ description: 'Sibling item' }]);
    const [siblingItem] = await listItems(sibling.id);
    const doomed = await newWorkOrder(acme, site, [{ description: 'Doomed item' }]);
    const [doomedItem] = await listItems(doomed.id);
    const removed = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/work-orders/${doomed.id}`,
    });
    expect(removed.statusCode).toBe(204);

    const missing: [string, string][] = [
      [randomUUID(), randomUUID()],
      [theirs.id, theirItem!.id],
      [doomed.id, doomedItem!.id],
      [wo.id, siblingItem!.id],
      [wo.id, theirItem!.id],
    ];
    for (const [workOrderId, itemId] of missing) {
      const requests = [
        { method: 'GET' as const, url: itemsPath(workOrderId) },
        { method: 'POST' as const, url: itemsPath(workOrderId), payload: { description: 'x' } },
        { method: 'GET' as const, url: `${itemsPath(workOrderId)}/${itemId}` },
        {
          method: 'PATCH' as const,
          url: `${itemsPath(workOrderId)}/${itemId}`,
          payload: { done: true },
        },
        { method: 'DELETE' as const, url: `${itemsPath(workOrderId)}/${itemId}` },
      ];
      for (const request of workOrderId === wo.id ? requests.slice(2) : requests) {
        const response = await call(t, acme.adminToken, request);
        expect(response.statusCode, `${request.method} ${request.url}`).toBe(404);
        expect(response.data.error).toMatchObject({ code: 'ENTITY_NOT_FOUND' });
      }
    }
    const untouched = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx
        .selectFrom('work_order_line_items')
        .select(['version', 'done', 'deleted_at'])
        .where('id', 'in', [theirItem!.id, siblingItem!.id, doomedItem!.id])
        .execute(),
    );
    expect(untouched).toEqual(Array(3).fill({ version: 1, done: false, deleted_at: null }));
    expect((await listItems(wo.id)).length).toBe(2);
  });

  it('refuses unknown fields, bad lengths and bad seqs', async () => {
    const long = (n: number) => 'x'.repeat(n);
    for (const payload of [
      {},
      { description: '' },
      { description: long(501) },
      { description: 'ok', answer: long(2001) },
      { description: 'ok', seq: 0 },
      { description: 'ok', seq: 10001 },
      { description: 'ok', seq: 1.5 },
      { description: 'ok', mandatory: 'yes' },
      { description: 'ok', colour: 'red' },
      { description: 'ok', work_order_id: randomUUID() },
      { description: 'ok', version: 1 },
    ]) {
      const response = await call(t, acme.adminToken, {
        method: 'POST',
        url: itemsPath(wo.id),
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload).slice(0, 60)).toBe(400);
      expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    const url = `${itemsPath(wo.id)}/${items[0]!.id}`;
    for (const payload of [
      {},
      { version: 1 },
      { description: '' },
      { answer: long(2001) },
      { seq: 0 },
      { done: 'yes' },
      { id: randomUUID() },
      { work_order_id: randomUUID() },
    ]) {
      const response = await call(t, acme.adminToken, { method: 'PATCH', url, payload });
      expect(response.statusCode, JSON.stringify(payload).slice(0, 60)).toBe(400);
    }
    const badId = await call(t, acme.adminToken, {
      method: 'GET',
      url: `${itemsPath(wo.id)}/not-a-uuid`,
    });
    expect(badId.statusCode).toBe(400);
    expect(await listItems(wo.id)).toEqual(items);
  });

  it('needs work_orders.view to read items and work_orders.update to change them', async () => {
    const nobody = await createPersonWith(t, acme, []);
    const viewer = await createPersonWith(t, acme, ['work_orders.view']);
    const url = `${itemsPath(wo.id)}/${items[0]!.id}`;
    const cases: [string, 'GET' | 'POST' | 'PATCH' | 'DELETE', string, string, Body?][] = [
      [nobody.token, 'GET', itemsPath(wo.id), 'work_orders.view'],
      [nobody.token, 'GET', url, 'work_orders.view'],
      [viewer.token, 'POST', itemsPath(wo.id), 'work_orders.update', { description: 'x' }],
      [viewer.token, 'PATCH', url, 'work_orders.update', { done: true }],
      [viewer.token, 'DELETE', url, 'work_orders.update'],
    ];
    for (const [token, method, path, permission, payload] of cases) {
      const response = await call(t, token, {
        method,
        url: path,
        ...(payload ? { payload } : {}),
      });
      expect(response.statusCode, `${method} ${path}`).toBe(403);
      expect(response.data.error).toMatchObject({
        code: 'PERMISSION_DENIED',
        details: { required_permission: permission },
      });
    }
    expect(await listItems(wo.id, viewer.token)).toEqual(items);
  });
});
