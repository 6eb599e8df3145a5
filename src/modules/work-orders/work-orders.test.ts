import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, onPostgres, type Body, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { auditOf, createRecord, createSite, idsOf } from '../../../test/records.js';
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

const createWorkOrder = (token: string, payload: Body) =>
  createRecord(t, token, 'work-orders', { title: 'Fix the boiler', ...payload });

/** Vendors and assets are inserted directly: this module only needs them to exist. */
async function insertVendor(tenant: TestTenant): Promise<string> {
  return withPlatformTxBypassingRls(t.database.db, async (tx) => {
    const { id } = await tx
      .insertInto('vendors')
      .values({ tenant_id: tenant.id, code: `V-${randomUUID().slice(0, 8)}`, name: 'Heat Ltd' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  });
}

async function insertAsset(tenant: TestTenant, siteId: string): Promise<string> {
  return withPlatformTxBypassingRls(t.database.db, async (tx) => {
    const { id } = await tx
      .insertInto('assets')
      .values({
        tenant_id: tenant.id,
        code: `A-${randomUUID().slice(0, 8)}`,
        name: 'Boiler 1',
        site_id: siteId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  });
}

/** Sets columns no API writes (status, timestamps) so lists have something to tell apart. */
function setColumns(id: string, values: Record<string, string>) {
  return withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx.updateTable('work_orders').set(values).where('id', '=', id).execute(),
  );
}

function lineItemRows(workOrderId: string) {
  return withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx
      .selectFrom('work_order_line_items')
      .selectAll()
      .where('work_order_id', '=', workOrderId)
      .orderBy('seq')
      .execute(),
  );
}

describe('work orders', () => {
  it('creates a numbered work order with its line items, reads, patches and deletes it, auditing each write', async () => {
    const vendor = await insertVendor(acme);
    const asset = await insertAsset(acme, site);
    const created = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/work-orders',
      payload: {
        title: 'Boiler pressure low',
        description: 'Pressure drops overnight',
        site_id: site,
        asset_id: asset,
        vendor_id: vendor,
        assigned_to: acme.adminId,
        priority: 'HIGH',
        planned_at: '2030-01-01T08:00:00Z',
        due_at: '2030-01-02T17:00:00Z',
        line_items: [
          { description: 'Check the gauge', mandatory: true },
          { description: 'Bleed radiators', answer: 'done twice', done: true },
        ],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    const wo = created.data as Body & { id: string; line_items: Body[] };
    expect(wo).toMatchObject({
      tenant_id: acme.id,
      number: expect.stringMatching(/^WO-\d{6}$/),
      title: 'Boiler pressure low',
      description: 'Pressure drops overnight',
      site_id: site,
      asset_id: asset,
      vendor_id: vendor,
      assigned_to: acme.adminId,
      priority: 'HIGH',
      status: 'DRAFT',
      planned_at: '2030-01-01T08:00:00.000Z',
      due_at: '2030-01-02T17:00:00.000Z',
      version: 1,
      created_by: acme.adminId,
      updated_by: acme.adminId,
    });
    expect(Date.parse(wo.status_changed_at as string)).not.toBeNaN();
    expect(wo.line_items).toEqual([
      {
        id: expect.any(String),
        seq: 1,
        description: 'Check the gauge',
        mandatory: true,
        answer: null,
        done: false,
        version: 1,
      },
      {
        id: expect.any(String),
        seq: 2,
        description: 'Bleed radiators',
        mandatory: false,
        answer: 'done twice',
        done: true,
        version: 1,
      },
    ]);
    const rows = await lineItemRows(wo.id);
    expect(rows.map((row) => [row.id, row.seq, row.tenant_id, row.created_by])).toEqual(
      wo.line_items.map((item) => [item.id, item.seq, acme.id, acme.adminId]),
    );

    const read = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/work-orders/${wo.id}`,
    });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    expect(read.data).toEqual(wo);

    const patched = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/work-orders/${wo.id}`,
      payload: { title: 'Boiler pressure very low', priority: 'CRITICAL', version: 1 },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.headers.etag).toBe('"2"');
    expect(patched.data).toMatchObject({
      title: 'Boiler pressure very low',
      priority: 'CRITICAL',
      number: wo.number,
      version: 2,
      line_items: wo.line_items,
    });

    const deleted = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/work-orders/${wo.id}`,
      headers: { 'if-match': '"2"' },
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const gone = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/work-orders/${wo.id}`,
    });
    expect(gone.statusCode).toBe(404);
    const list = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/work-orders?site_id=${site}&page_size=100`,
    });
    expect(list.statusCode).toBe(200);
    expect(idsOf(list)).not.toContain(wo.id);

    const audit = await auditOf(t, wo.id);
    expect(audit.map((entry) => entry.event_type)).toEqual(['CREATED', 'UPDATED', 'DELETED']);
    expect(audit[0]!.entity_type).toBe('work_order');
    expect(audit[0]!.changes).toMatchObject({
      number: { old: null, new: wo.number },
      title: { old: null, new: 'Boiler pressure low' },
      assigned_to: { old: null, new: acme.adminId },
    });
    expect(audit[1]!.changes).toEqual({
      title: { old: 'Boiler pressure low', new: 'Boiler pressure very low' },
      priority: { old: 'HIGH', new: 'CRITICAL' },
    });
    for (const item of wo.line_items) {
      const [entry, ...more] = await auditOf(t, item.id as string);
      expect(more).toEqual([]);
      expect(entry).toMatchObject({
        event_type: 'CREATED',
        entity_type: 'work_order_line_item',
        correlation_id: audit[0]!.correlation_id,
        metadata: { work_order_id: wo.id },
        changes: {
          seq: { old: null, new: item.seq },
          description: { old: null, new: item.description },
        },
      });
    }
  });

  it('defaults priority to MEDIUM, line items to none, and optional fields to null', async () => {
    const wo = await createWorkOrder(acme.adminToken, { site_id: site });
    expect(wo).toMatchObject({
      priority: 'MEDIUM',
      status: 'DRAFT',
      description: null,
      asset_id: null,
      vendor_id: null,
      assigned_to: null,
      planned_at: null,
      due_at: null,
      line_items: [],
    });
  });

  it('numbers work orders per tenant and never reuses a number', async () => {
    const first = await createTenant(t, 'First');
    const second = await createTenant(t, 'Second');
    const siteOf = async (tenant: TestTenant) => (await createSite(t, tenant.adminToken)).id;
    const [firstSite, secondSite] = [await siteOf(first), await siteOf(second)];

    const a1 = await createWorkOrder(first.adminToken, { site_id: firstSite });
    const b1 = await createWorkOrder(second.adminToken, { site_id: secondSite });
    expect([a1.number, b1.number]).toEqual(['WO-000001', 'WO-000001']);

    const a2 = await createWorkOrder(first.adminToken, { site_id: firstSite });
    expect(a2.number).toBe('WO-000002');
    const deleted = await call(t, first.adminToken, {
      method: 'DELETE',
      url: `/api/v1/work-orders/${a2.id}`,
    });
    expect(deleted.statusCode).toBe(204);
    const a3 = await createWorkOrder(first.adminToken, { site_id: firstSite });
    expect(a3.number).toBe('WO-000003');

    const refused = await call(t, first.adminToken, {
      method: 'POST',
      url: '/api/v1/work-orders',
      payload: { title: 'No site', site_id: randomUUID() },
    });
    expect(refused.statusCode).toBe(400);
    const a4 = await createWorkOrder(first.adminToken, { site_id: firstSite });
    expect(a4.number).toBe('WO-000004');
  });

  it.skipIf(!onPostgres)(
    'hands 20 concurrent creations 20 distinct consecutive numbers',
    async () => {
      const tenant = await createTenant(t, 'Concurrent');
      const siteId = (await createSite(t, tenant.adminToken)).id;
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          call(t, tenant.adminToken, {
            method: 'POST',
            url: '/api/v1/work-orders',
            payload: { title: `Job ${i}`, site_id: siteId, line_items: [{ description: 'Do it' }] },
          }),
        ),
      );
      expect(responses.map((response) => response.statusCode)).toEqual(Array(20).fill(201));
      const numbers = responses.map((response) => response.data.number as string).sort();
      expect(numbers).toEqual(
        Array.from({ length: 20 }, (_, i) => `WO-${String(i + 1).padStart(6, '0')}`),
      );
    },
  );

  describe('lists', () => {
    let tenant: TestTenant;
    let siteA: string;
    let siteB: string;
    let asset: string;
    let vendor: string;
    let person: string;
    let boiler: string;
    let airflow: string;
    let chiller: string;

    beforeAll(async () => {
      tenant = await createTenant(t, 'Lists');
      siteA = (await createSite(t, tenant.adminToken)).id;
      siteB = (await createSite(t, tenant.adminToken)).id;
      asset = await insertAsset(tenant, siteA);
      vendor = await insertVendor(tenant);
      person = (await createPersonWith(t, tenant, [])).id;
      boiler = (
        await createWorkOrder(tenant.adminToken, {
          title: 'Boiler',
          site_id: siteA,
          asset_id: asset,
          vendor_id: vendor,
          assigned_to: person,
          priority: 'HIGH',
          planned_at: '2030-01-01T00:00:00Z',
          due_at: '2030-01-05T00:00:00Z',
        })
      ).id;
      airflow = (
        await createWorkOrder(tenant.adminToken, {
          title: 'Airflow',
          site_id: siteB,
          priority: 'LOW',
          planned_at: '2030-02-01T00:00:00Z',
          due_at: '2030-02-10T00:00:00Z',
        })
      ).id;
      chiller = (
        await createWorkOrder(tenant.adminToken, {
          title: 'Chiller',
          site_id: siteA,
          priority: 'CRITICAL',
        })
      ).id;
      await setColumns(boiler, { created_at: '2029-01-01T00:00:00Z' });
      await setColumns(airflow, { created_at: '2029-06-01T00:00:00Z', status: 'SUBMITTED' });
      await setColumns(chiller, { created_at: '2029-12-01T00:00:00Z' });
      const touched = await call(t, tenant.adminToken, {
        method: 'PATCH',
        url: `/api/v1/work-orders/${boiler}`,
        payload: { description: 'touched last' },
      });
      expect(touched.statusCode, touched.body).toBe(200);
    });

    const list = async (query: string) => {
      const response = await call(t, tenant.adminToken, {
        method: 'GET',
        url: `/api/v1/work-orders?${query}`,
      });
      expect(response.statusCode, `${query}: ${response.body}`).toBe(200);
      return idsOf(response);
    };

    it('filters on each field it offers', async () => {
      const cases: [string, string[]][] = [
        ['', [chiller, airflow, boiler]],
        ['status=SUBMITTED', [airflow]],
        ['status=DRAFT,CANCELLED', [chiller, boiler]],
        ['priority=HIGH,CRITICAL', [chiller, boiler]],
        ['priority=LOW', [airflow]],
        [`site_id=${siteB}`, [airflow]],
        [`asset_id=${asset}`, [boiler]],
        [`vendor_id=${vendor}`, [boiler]],
        [`assigned_to=${person}`, [boiler]],
        ['due_from=2030-02-10T00:00:00Z', [airflow]],
        ['due_to=2030-01-05T00:00:00Z', [boiler]],
        ['planned_from=2030-01-15T00:00:00Z', [airflow]],
        ['planned_to=2030-01-01T00:00:00Z', [boiler]],
        ['created_from=2029-06-01T00:00:00Z', [chiller, airflow]],
        ['created_to=2029-06-01T00:00:00Z', [airflow, boiler]],
        [`site_id=${siteA}&priority=CRITICAL`, [chiller]],
      ];
      for (const [query, expected] of cases) {
        expect(await list(query), query).toEqual(expected);
      }
    });

    it('sorts by each key it offers, either way', async () => {
      const cases: [string, string[]][] = [
        ['created_at', [boiler, airflow, chiller]],
        ['-created_at', [chiller, airflow, boiler]],
        ['-updated_at', [boiler, chiller, airflow]],
        ['due_at', [boiler, airflow, chiller]],
        ['-due_at', [airflow, boiler, chiller]],
        ['planned_at', [boiler, airflow, chiller]],
        ['-planned_at', [airflow, boiler, chiller]],
        ['priority', [airflow, boiler, chiller]],
        ['-priority', [chiller, boiler, airflow]],
        ['number', [boiler, airflow, chiller]],
        ['-number', [chiller, airflow, boiler]],
        ['title', [airflow, boiler, chiller]],
      ];
      for (const [sort, expected] of cases) {
        expect(await list(`sort=${sort}`), sort).toEqual(expected);
      }
    });

    it('pages with a cursor through a nullable sort', async () => {
      const first = await call(t, tenant.adminToken, {
        method: 'GET',
        url: '/api/v1/work-orders?sort=due_at&page_size=2',
      });
      expect(idsOf(first)).toEqual([boiler, airflow]);
      const cursor = (first.data.pagination as { next_cursor: string }).next_cursor;
      const second = await call(t, tenant.adminToken, {
        method: 'GET',
        url: `/api/v1/work-orders?sort=due_at&page_size=2&cursor=${encodeURIComponent(cursor)}`,
      });
      expect(idsOf(second)).toEqual([chiller]);
    });

    it('refuses unknown filters, sorts and enum values', async () => {
      for (const query of [
        'status=OPEN',
        'status=DRAFT,',
        'priority=URGENT',
        'sort=status',
        'due_from=tomorrow',
        'site_id=not-a-uuid',
        'colour=red',
      ]) {
        const response = await call(t, tenant.adminToken, {
          method: 'GET',
          url: `/api/v1/work-orders?${query}`,
        });
        expect(response.statusCode, query).toBe(400);
        expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
      }
    });
  });

  describe('refusals', () => {
    it("answers 404 for another tenant's work order and never lists it", async () => {
      const theirSite = (await createSite(t, other.adminToken)).id;
      const theirs = await createWorkOrder(other.adminToken, { site_id: theirSite });
      for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
        const response = await call(t, acme.adminToken, {
          method,
          url: `/api/v1/work-orders/${theirs.id}`,
          ...(method === 'PATCH' ? { payload: { title: 'Mine now' } } : {}),
        });
        expect(response.statusCode, method).toBe(404);
        expect(response.data.error).toMatchObject({ code: 'ENTITY_NOT_FOUND' });
      }
      const list = await call(t, acme.adminToken, {
        method: 'GET',
        url: '/api/v1/work-orders?page_size=100',
      });
      expect(idsOf(list)).not.toContain(theirs.id);
      const [row] = await withPlatformTxBypassingRls(t.database.db, (tx) =>
        tx.selectFrom('work_orders').selectAll().where('id', '=', theirs.id).execute(),
      );
      expect(row).toMatchObject({ title: 'Fix the boiler', version: 1, deleted_at: null });
    });

    it('refuses bad fields, status, number and line items on the wrong path', async () => {
      const long = (n: number) => 'x'.repeat(n);
      for (const payload of [
        { colour: 'red' },
        { status: 'APPROVED' },
        { number: 'WO-999999' },
        { version: 1 },
        { title: '' },
        { title: long(201) },
        { description: long(5001) },
        { priority: 'URGENT' },
        { site_id: 'not-a-uuid' },
        { planned_at: 'tomorrow' },
        { due_at: '2030-01-01' },
        { line_items: [{ description: '' }] },
        { line_items: [{ description: long(501) }] },
        { line_items: [{ description: 'ok', answer: long(2001) }] },
        { line_items: [{ description: 'ok', seq: 3 }] },
        { line_items: Array.from({ length: 201 }, () => ({ description: 'ok' })) },
        { planned_at: '2030-01-02T00:00:00Z', due_at: '2030-01-01T23:59:59Z' },
      ]) {
        const response = await call(t, acme.adminToken, {
          method: 'POST',
          url: '/api/v1/work-orders',
          payload: { title: 'Bad', site_id: site, ...payload },
        });
        expect(response.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
        expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
      }
      const missingSite = await call(t, acme.adminToken, {
        method: 'POST',
        url: '/api/v1/work-orders',
        payload: { title: 'No site' },
      });
      expect(missingSite.statusCode).toBe(400);

      const wo = await createWorkOrder(acme.adminToken, { site_id: site });
      for (const payload of [
        {},
        { status: 'APPROVED' },
        { number: 'WO-999999' },
        { status_changed_at: '2030-01-01T00:00:00Z' },
        { line_items: [] },
        { colour: 'red' },
        { site_id: null },
        { priority: 'low' },
        { planned_at: '2030-01-02T00:00:00Z', due_at: '2030-01-01T00:00:00Z' },
      ]) {
        const response = await call(t, acme.adminToken, {
          method: 'PATCH',
          url: `/api/v1/work-orders/${wo.id}`,
          payload,
        });
        expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      }
      const schedule = await call(t, acme.adminToken, {
        method: 'PATCH',
        url: `/api/v1/work-orders/${wo.id}`,
        payload: { planned_at: '2030-01-02T00:00:00Z', due_at: '2030-01-01T00:00:00Z' },
      });
      expect(schedule.data.error).toMatchObject({
        details: { errors: [{ path: '/due_at' }] },
      });
      const read = await call(t, acme.adminToken, {
        method: 'GET',
        url: `/api/v1/work-orders/${wo.id}`,
      });
      expect(read.data).toMatchObject({ version: 1, status: 'DRAFT' });
    });

    it("refuses references to missing records and to another tenant's, naming the field", async () => {
      const theirSite = (await createSite(t, other.adminToken)).id;
      const theirs = {
        site_id: theirSite,
        asset_id: await insertAsset(other, theirSite),
        vendor_id: await insertVendor(other),
        assigned_to: other.adminId,
      };
      const wo = await createWorkOrder(acme.adminToken, { site_id: site });
      for (const field of ['site_id', 'asset_id', 'vendor_id', 'assigned_to'] as const) {
        for (const id of [randomUUID(), theirs[field]]) {
          const created = await call(t, acme.adminToken, {
            method: 'POST',
            url: '/api/v1/work-orders',
            payload: { title: 'Bad ref', site_id: site, [field]: id },
          });
          expect(created.statusCode, field).toBe(400);
          expect(created.data.error).toMatchObject({
            code: 'VALIDATION_ERROR',
            details: { errors: [{ path: `/${field}` }] },
          });
          const patched = await call(t, acme.adminToken, {
            method: 'PATCH',
            url: `/api/v1/work-orders/${wo.id}`,
            payload: { [field]: id },
          });
          expect(patched.statusCode, field).toBe(400);
          expect(patched.data.error).toMatchObject({
            details: { errors: [{ path: `/${field}` }] },
          });
        }
      }
      const deletedVendor = await insertVendor(acme);
      await withPlatformTxBypassingRls(t.database.db, (tx) =>
        tx
          .updateTable('vendors')
          .set({ deleted_at: new Date() })
          .where('id', '=', deletedVendor)
          .execute(),
      );
      const toDeleted = await call(t, acme.adminToken, {
        method: 'PATCH',
        url: `/api/v1/work-orders/${wo.id}`,
        payload: { vendor_id: deletedVendor },
      });
      expect(toDeleted.statusCode).toBe(400);
      expect((await auditOf(t, wo.id)).map((entry) => entry.event_type)).toEqual(['CREATED']);
    });

    it('answers 409 to a stale body version and 412 to a stale If-Match', async () => {
      const wo = await createWorkOrder(acme.adminToken, { site_id: site });
      const first = await call(t, acme.adminToken, {
        method: 'PATCH',
        url: `/api/v1/work-orders/${wo.id}`,
        payload: { title: 'First', version: 1 },
      });
      expect(first.statusCode).toBe(200);
      const stale = await call(t, acme.adminToken, {
        method: 'PATCH',
        url: `/api/v1/work-orders/${wo.id}`,
        payload: { title: 'Second', version: 1 },
      });
      expect(stale.statusCode).toBe(409);
      expect(stale.data.error).toMatchObject({
        code: 'CONCURRENCY_ERROR',
        current_version: 2,
        your_version: 1,
      });
      const staleHeader = await call(t, acme.adminToken, {
        method: 'PATCH',
        url: `/api/v1/work-orders/${wo.id}`,
        headers: { 'if-match': '"1"' },
        payload: { title: 'Third' },
      });
      expect(staleHeader.statusCode).toBe(412);
      expect(staleHeader.data.error).toMatchObject({
        code: 'CONCURRENCY_ERROR',
        current_version: 2,
        your_version: 1,
      });
      const staleDelete = await call(t, acme.adminToken, {
        method: 'DELETE',
        url: `/api/v1/work-orders/${wo.id}`,
        headers: { 'if-match': '"1"' },
      });
      expect(staleDelete.statusCode).toBe(412);
      const read = await call(t, acme.adminToken, {
        method: 'GET',
        url: `/api/v1/work-orders/${wo.id}`,
      });
      expect(read.data).toMatchObject({ title: 'First', version: 2 });
    });
  });

  describe('permissions', () => {
    it('needs work_orders.view to read and create/update/delete to write', async () => {
      const wo = await createWorkOrder(acme.adminToken, { site_id: site });
      const nobody = await createPersonWith(t, acme, []);
      const viewer = await createPersonWith(t, acme, ['work_orders.view']);
      const cases: [string, 'GET' | 'POST' | 'PATCH' | 'DELETE', string, string, Body?][] = [
        [nobody.token, 'GET', '/api/v1/work-orders', 'work_orders.view'],
        [nobody.token, 'GET', `/api/v1/work-orders/${wo.id}`, 'work_orders.view'],
        [
          viewer.token,
          'POST',
          '/api/v1/work-orders',
          'work_orders.create',
          { title: 'x', site_id: site },
        ],
        [
          viewer.token,
          'PATCH',
          `/api/v1/work-orders/${wo.id}`,
          'work_orders.update',
          { title: 'y' },
        ],
        [viewer.token, 'DELETE', `/api/v1/work-orders/${wo.id}`, 'work_orders.delete'],
      ];
      for (const [token, method, url, permission, payload] of cases) {
        const response = await call(t, token, { method, url, ...(payload ? { payload } : {}) });
        expect(response.statusCode, `${method} ${url}`).toBe(403);
        expect(response.data.error).toMatchObject({
          code: 'PERMISSION_DENIED',
          details: { required_permission: permission },
        });
      }
      const read = await call(t, viewer.token, {
        method: 'GET',
        url: `/api/v1/work-orders/${wo.id}`,
      });
      expect(read.statusCode).toBe(200);
      expect(read.data).toMatchObject({ version: 1 });
    });

    it('needs work_orders.assign to set or change the assignee, and audits the denial', async () => {
      const creator = await createPersonWith(t, acme, [
        'work_orders.view',
        'work_orders.create',
        'work_orders.update',
      ]);
      const assigner = await createPersonWith(t, acme, [
        'work_orders.view',
        'work_orders.create',
        'work_orders.update',
        'work_orders.assign',
      ]);
      const denied = await call(t, creator.token, {
        method: 'POST',
        url: '/api/v1/work-orders',
        payload: { title: 'Assigned', site_id: site, assigned_to: creator.id },
      });
      expect(denied.statusCode).toBe(403);
      expect(denied.data.error).toMatchObject({
        details: { required_permission: 'work_orders.assign' },
      });
      const denials = await withPlatformTxBypassingRls(t.database.db, (tx) =>
        tx
          .selectFrom('audit_entries as a')
          .where('a.permission_denial', 'is not', null)
          .select([
            'a.event_type',
            sql<string>`a.permission_denial->>'required_permission'`.as('required_permission'),
            sql<string>`a.permission_denial->>'action_attempted'`.as('action_attempted'),
          ])
          .where('a.actor_id', '=', creator.id)
          .execute(),
      );
      expect(denials).toEqual([
        {
          event_type: 'PERMISSION_DENIED',
          required_permission: 'work_orders.assign',
          action_attempted: 'assign a new work order',
        },
      ]);
      const mine = await withPlatformTxBypassingRls(t.database.db, (tx) =>
        tx.selectFrom('work_orders').select('id').where('created_by', '=', creator.id).execute(),
      );
      expect(mine).toEqual([]);

      const unassigned = await createWorkOrder(creator.token, { site_id: site, assigned_to: null });
      expect(unassigned.assigned_to).toBeNull();
      for (const assignedTo of [creator.id, null]) {
        const change = await call(t, creator.token, {
          method: 'PATCH',
          url: `/api/v1/work-orders/${unassigned.id}`,
          payload: { assigned_to: assignedTo, title: 'Sneaky' },
        });
        expect(change.statusCode).toBe(403);
        expect(change.data.error).toMatchObject({
          details: { required_permission: 'work_orders.assign' },
        });
      }
      const retitled = await call(t, creator.token, {
        method: 'PATCH',
        url: `/api/v1/work-orders/${unassigned.id}`,
        payload: { title: 'Retitled' },
      });
      expect(retitled.statusCode).toBe(200);
      expect(retitled.data).toMatchObject({ title: 'Retitled', assigned_to: null, version: 2 });

      const assigned = await createWorkOrder(assigner.token, {
        site_id: site,
        assigned_to: creator.id,
      });
      expect(assigned.assigned_to).toBe(creator.id);
      const reassigned = await call(t, assigner.token, {
        method: 'PATCH',
        url: `/api/v1/work-orders/${unassigned.id}`,
        payload: { assigned_to: assigner.id },
      });
      expect(reassigned.statusCode).toBe(200);
      expect(reassigned.data).toMatchObject({ assigned_to: assigner.id, version: 3 });
      const audit = await auditOf(t, unassigned.id as string);
      expect(audit.at(-1)!.changes).toEqual({ assigned_to: { old: null, new: assigner.id } });
    });
  });
});
