import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type Body, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { auditOf, createRecord, createSite, idsOf } from '../../../test/records.js';
import { withPlatformTxBypassingRls } from '../../platform/db/transactions.js';

let t: TestApp;
let acme: TestTenant;
let other: TestTenant;
let acmeSite: string;
let otherSite: string;

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  other = await createTenant(t, 'Other');
  acmeSite = (await createSite(t, acme.adminToken)).id;
  otherSite = (await createSite(t, other.adminToken)).id;
});
afterAll(() => t.close());

function newAsset(tenant: TestTenant, siteId: string, payload: Body = {}) {
  return createRecord(t, tenant.adminToken, 'assets', {
    code: `A-${randomUUID().slice(0, 8)}`,
    name: 'Boiler',
    site_id: siteId,
    ...payload,
  });
}

function storedAsset(id: string) {
  return withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx.selectFrom('assets').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );
}

async function list(tenant: TestTenant, query: string): Promise<string[]> {
  const response = await call(t, tenant.adminToken, {
    method: 'GET',
    url: `/api/v1/assets?${query}`,
  });
  expect(response.statusCode, response.body).toBe(200);
  return idsOf(response);
}

function expectSiteRefused(response: { statusCode: number; data: Body }) {
  expect(response.statusCode, JSON.stringify(response.data)).toBe(400);
  expect(response.data.error).toMatchObject({
    code: 'VALIDATION_ERROR',
    details: { errors: [{ path: '/site_id', message: 'no such record' }] },
  });
}

describe('assets', () => {
  it('creates, reads, updates and deletes an asset, auditing each write', async () => {
    const secondSite = (await createSite(t, acme.adminToken)).id;
    const response = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/assets',
      payload: { code: 'BLR-1', name: 'Boiler One', site_id: acmeSite, category: 'HVAC' },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.headers.etag).toBe('"1"');
    const created = response.data;
    const id = created.id as string;
    expect(created).toMatchObject({
      tenant_id: acme.id,
      code: 'BLR-1',
      name: 'Boiler One',
      site_id: acmeSite,
      category: 'HVAC',
      version: 1,
      created_by: acme.adminId,
      updated_by: acme.adminId,
    });

    const read = await call(t, acme.adminToken, { method: 'GET', url: `/api/v1/assets/${id}` });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    expect(read.data).toEqual(created);

    const patched = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/assets/${id}`,
      payload: { site_id: secondSite, category: null, name: 'Boiler One', version: 1 },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.headers.etag).toBe('"2"');
    expect(patched.data).toMatchObject({
      site_id: secondSite,
      category: null,
      name: 'Boiler One',
      code: 'BLR-1',
      version: 2,
    });
    expect(await storedAsset(id)).toMatchObject({ site_id: secondSite, category: null });

    const deleted = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/assets/${id}`,
      headers: { 'if-match': '"2"' },
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const gone = await call(t, acme.adminToken, { method: 'GET', url: `/api/v1/assets/${id}` });
    expect(gone.statusCode).toBe(404);
    expect(gone.data.error).toMatchObject({ code: 'ENTITY_NOT_FOUND' });
    expect(await list(acme, 'code=BLR-1')).toEqual([]);
    expect((await storedAsset(id)).deleted_at).not.toBeNull();

    const audit = await auditOf(t, id);
    expect(audit.map((entry) => [entry.event_type, entry.entity_type])).toEqual([
      ['CREATED', 'asset'],
      ['UPDATED', 'asset'],
      ['DELETED', 'asset'],
    ]);
    expect(audit[0]!.changes).toEqual({
      code: { old: null, new: 'BLR-1' },
      name: { old: null, new: 'Boiler One' },
      site_id: { old: null, new: acmeSite },
      category: { old: null, new: 'HVAC' },
    });
    expect(audit[1]!.changes).toEqual({
      site_id: { old: acmeSite, new: secondSite },
      category: { old: 'HVAC', new: null },
    });
  });

  it('filters by site_id, category, code and q', async () => {
    const tenant = await createTenant(t);
    const north = (await createSite(t, tenant.adminToken)).id;
    const south = (await createSite(t, tenant.adminToken)).id;
    const boiler = await newAsset(tenant, north, {
      code: 'BLR-1',
      name: 'Main Boiler',
      category: 'HVAC',
    });
    const chiller = await newAsset(tenant, south, {
      code: 'CHL-1',
      name: 'Roof Chiller',
      category: 'HVAC',
    });
    const lift = await newAsset(tenant, north, { code: 'LFT-1', name: 'Goods Lift' });
    const percent = await newAsset(tenant, south, { code: 'PCT_1', name: '50% Pump' });
    const fifty = await newAsset(tenant, south, { code: 'PCT-2', name: '500 Pump' });

    expect(await list(tenant, `site_id=${north}`)).toEqual([boiler.id, lift.id]);
    expect(await list(tenant, 'category=HVAC')).toEqual([boiler.id, chiller.id]);
    expect(await list(tenant, `category=HVAC&site_id=${south}`)).toEqual([chiller.id]);
    expect(await list(tenant, 'code=LFT-1')).toEqual([lift.id]);
    expect(await list(tenant, 'q=boiler')).toEqual([boiler.id]);
    expect(await list(tenant, 'q=chl')).toEqual([chiller.id]);
    // The two codes differ only in punctuation, whose order depends on the database collation.
    expect((await list(tenant, 'q=pump')).sort()).toEqual([percent.id, fifty.id].sort());
    expect(await list(tenant, `q=${encodeURIComponent('0%')}`)).toEqual([percent.id]);
    expect(await list(tenant, 'q=PCT_')).toEqual([percent.id]);
    expect(await list(tenant, `site_id=${randomUUID()}`)).toEqual([]);
    expect(await list(other, `site_id=${north}`)).toEqual([]);

    const badSite = await call(t, tenant.adminToken, {
      method: 'GET',
      url: '/api/v1/assets?site_id=not-a-uuid',
    });
    expect(badSite.statusCode).toBe(400);
  });

  it('sorts by code (the default), name, category (nulls last), created_at and updated_at', async () => {
    const tenant = await createTenant(t);
    const site = (await createSite(t, tenant.adminToken)).id;
    const c = await newAsset(tenant, site, { code: 'C', name: 'Able', category: 'Electrical' });
    const a = await newAsset(tenant, site, { code: 'A', name: 'Charlie' });
    const b = await newAsset(tenant, site, { code: 'B', name: 'Baker', category: 'Plumbing' });
    const touched = await call(t, tenant.adminToken, {
      method: 'PATCH',
      url: `/api/v1/assets/${c.id}`,
      payload: { name: 'Able One' },
    });
    expect(touched.statusCode).toBe(200);

    expect(await list(tenant, '')).toEqual([a.id, b.id, c.id]);
    expect(await list(tenant, 'sort=-code')).toEqual([c.id, b.id, a.id]);
    expect(await list(tenant, 'sort=name')).toEqual([c.id, b.id, a.id]);
    expect(await list(tenant, 'sort=category')).toEqual([c.id, b.id, a.id]);
    expect(await list(tenant, 'sort=-category')).toEqual([b.id, c.id, a.id]);
    expect(await list(tenant, 'sort=created_at')).toEqual([c.id, a.id, b.id]);
    expect(await list(tenant, 'sort=-updated_at')).toEqual([c.id, b.id, a.id]);

    const walked: string[] = [];
    let url = '/api/v1/assets?sort=category&page_size=1';
    for (;;) {
      const page = await call(t, tenant.adminToken, { method: 'GET', url });
      expect(page.statusCode, page.body).toBe(200);
      walked.push(...idsOf(page));
      const cursor = (page.data.pagination as { next_cursor: string | null }).next_cursor;
      if (!cursor) break;
      url = `/api/v1/assets?sort=category&page_size=1&cursor=${encodeURIComponent(cursor)}`;
    }
    expect(walked).toEqual([c.id, b.id, a.id]);
  });

  it('refuses a site_id that is not a live site of the tenant, on create and update', async () => {
    const doomed = (await createSite(t, acme.adminToken)).id;
    const removed = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/sites/${doomed}`,
    });
    expect(removed.statusCode).toBe(204);

    for (const siteId of [randomUUID(), otherSite, doomed]) {
      const created = await call(t, acme.adminToken, {
        method: 'POST',
        url: '/api/v1/assets',
        payload: { code: `X-${randomUUID().slice(0, 8)}`, name: 'Nowhere', site_id: siteId },
      });
      expectSiteRefused(created);
    }

    const asset = await newAsset(acme, acmeSite);
    for (const siteId of [randomUUID(), otherSite, doomed]) {
      const patched = await call(t, acme.adminToken, {
        method: 'PATCH',
        url: `/api/v1/assets/${asset.id}`,
        payload: { site_id: siteId },
      });
      expectSiteRefused(patched);
    }
    expect(await storedAsset(asset.id)).toMatchObject({ site_id: acmeSite, version: 1 });
    expect((await auditOf(t, asset.id)).map((entry) => entry.event_type)).toEqual(['CREATED']);
  });

  it('refuses unknown fields, status, bad lengths and bad formats', async () => {
    for (const payload of [
      { colour: 'red' },
      { status: 'ACTIVE' },
      { name: '' },
      { name: 'x'.repeat(201) },
      { code: '' },
      { code: '_leading' },
      { code: 'C'.repeat(33) },
      { category: '' },
      { category: 'c'.repeat(65) },
      { category: 7 },
      { site_id: 'not-a-uuid' },
      { site_id: null },
    ]) {
      const created = await call(t, acme.adminToken, {
        method: 'POST',
        url: '/api/v1/assets',
        payload: { code: 'BAD', name: 'Bad', site_id: acmeSite, ...payload },
      });
      expect(created.statusCode, JSON.stringify(payload)).toBe(400);
      expect(created.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    const missing = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/assets',
      payload: { code: 'NO-SITE', name: 'No site' },
    });
    expect(missing.statusCode).toBe(400);

    const asset = await newAsset(acme, acmeSite);
    for (const payload of [
      { colour: 'red' },
      { status: 'ACTIVE' },
      { site_id: null },
      { category: 'c'.repeat(65) },
      {},
    ]) {
      const patched = await call(t, acme.adminToken, {
        method: 'PATCH',
        url: `/api/v1/assets/${asset.id}`,
        payload,
      });
      expect(patched.statusCode, JSON.stringify(payload)).toBe(400);
      expect(patched.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    expect(await storedAsset(asset.id)).toMatchObject({ version: 1 });
  });

  it('answers 409 for a code another live asset of the tenant holds', async () => {
    const first = await newAsset(acme, acmeSite, { code: 'DUP-A' });
    const again = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/assets',
      payload: { code: 'DUP-A', name: 'Again', site_id: acmeSite },
    });
    expect(again.statusCode).toBe(409);
    expect(again.data.error).toMatchObject({ code: 'CONFLICT', details: { field: 'code' } });

    const second = await newAsset(acme, acmeSite, { code: 'DUP-B' });
    const renamed = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/assets/${second.id}`,
      payload: { code: 'DUP-A' },
    });
    expect(renamed.statusCode).toBe(409);
    expect(renamed.data.error).toMatchObject({ code: 'CONFLICT', details: { field: 'code' } });

    await newAsset(other, otherSite, { code: 'DUP-A' });
    const removed = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/assets/${first.id}`,
    });
    expect(removed.statusCode).toBe(204);
    await newAsset(acme, acmeSite, { code: 'DUP-A' });
  });

  it('lets any member read, and needs assets.manage to write', async () => {
    const asset = await newAsset(acme, acmeSite);
    const reader = await createPersonWith(t, acme, []);
    const listed = await call(t, reader.token, { method: 'GET', url: '/api/v1/assets' });
    expect(listed.statusCode).toBe(200);
    expect(idsOf(listed)).toContain(asset.id);
    const read = await call(t, reader.token, { method: 'GET', url: `/api/v1/assets/${asset.id}` });
    expect(read.statusCode).toBe(200);

    for (const [method, url, payload] of [
      ['POST', '/api/v1/assets', { code: 'NOPE', name: 'Nope', site_id: acmeSite }],
      ['PATCH', `/api/v1/assets/${asset.id}`, { name: 'Nope' }],
      ['DELETE', `/api/v1/assets/${asset.id}`, undefined],
    ] as const) {
      const denied = await call(t, reader.token, { method, url, ...(payload ? { payload } : {}) });
      expect(denied.statusCode, method).toBe(403);
      expect(denied.data.error).toMatchObject({
        code: 'PERMISSION_DENIED',
        details: { required_permission: 'assets.manage' },
      });
    }
    expect(await storedAsset(asset.id)).toMatchObject({ version: 1, deleted_at: null });

    const manager = await createPersonWith(t, acme, ['assets.manage']);
    const created = await call(t, manager.token, {
      method: 'POST',
      url: '/api/v1/assets',
      payload: { code: `M-${randomUUID().slice(0, 8)}`, name: 'Managed', site_id: acmeSite },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.data.created_by).toBe(manager.id);
  });
});
