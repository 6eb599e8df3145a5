import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type Body, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { auditOf, createRecord, createSite, idsOf } from '../../../test/records.js';
import { withPlatformTxBypassingRls } from '../../platform/db/transactions.js';

let t: TestApp;
let acme: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  other = await createTenant(t, 'Other');
});
afterAll(() => t.close());

function newVendor(tenant: TestTenant, payload: Body = {}) {
  return createRecord(t, tenant.adminToken, 'vendors', {
    code: `V-${randomUUID().slice(0, 8)}`,
    name: 'Sparkle Cleaning',
    ...payload,
  });
}

function storedVendor(id: string) {
  return withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx.selectFrom('vendors').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );
}

async function list(tenant: TestTenant, query: string): Promise<string[]> {
  const response = await call(t, tenant.adminToken, {
    method: 'GET',
    url: `/api/v1/vendors?${query}`,
  });
  expect(response.statusCode, response.body).toBe(200);
  return idsOf(response);
}

describe('vendors', () => {
  it('creates, reads, updates and deletes a vendor, auditing each write', async () => {
    const response = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/vendors',
      payload: {
        code: 'SPARK',
        name: 'Sparkle Cleaning',
        email: 'ops@sparkle.example',
        phone: '+44 20 7946 0000',
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.headers.etag).toBe('"1"');
    const created = response.data;
    expect(created).toMatchObject({
      tenant_id: acme.id,
      code: 'SPARK',
      name: 'Sparkle Cleaning',
      email: 'ops@sparkle.example',
      phone: '+44 20 7946 0000',
      version: 1,
      created_by: acme.adminId,
      updated_by: acme.adminId,
    });

    const read = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/vendors/${String(created.id)}`,
    });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    expect(read.data).toEqual(created);

    const patched = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/vendors/${String(created.id)}`,
      payload: { name: 'Sparkle Ltd', email: 'hello@sparkle.example', version: 1 },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.headers.etag).toBe('"2"');
    expect(patched.data).toMatchObject({
      name: 'Sparkle Ltd',
      email: 'hello@sparkle.example',
      code: 'SPARK',
      phone: '+44 20 7946 0000',
      version: 2,
    });
    expect(await storedVendor(created.id as string)).toMatchObject({
      email: 'hello@sparkle.example',
      version: 2,
    });

    const deleted = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/vendors/${String(created.id)}`,
      headers: { 'if-match': '"2"' },
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const gone = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/vendors/${String(created.id)}`,
    });
    expect(gone.statusCode).toBe(404);
    expect(gone.data.error).toMatchObject({ code: 'ENTITY_NOT_FOUND' });
    expect(await list(acme, 'code=SPARK')).toEqual([]);
    expect((await storedVendor(created.id as string)).deleted_at).not.toBeNull();

    const audit = await auditOf(t, created.id as string);
    expect(audit.map((entry) => [entry.event_type, entry.entity_type])).toEqual([
      ['CREATED', 'vendor'],
      ['UPDATED', 'vendor'],
      ['DELETED', 'vendor'],
    ]);
    expect(audit[0]!.changes).toEqual({
      code: { old: null, new: 'SPARK' },
      name: { old: null, new: 'Sparkle Cleaning' },
      email: { old: null, new: '[REDACTED]' },
      phone: { old: null, new: '[REDACTED]' },
    });
    expect(audit[1]!.changes).toEqual({
      name: { old: 'Sparkle Cleaning', new: 'Sparkle Ltd' },
      email: { old: '[REDACTED]', new: '[REDACTED]' },
    });
    const stored = JSON.stringify(audit);
    expect(stored).not.toContain('sparkle.example');
    expect(stored).not.toContain('7946');
  });

  it('redacts a phone set from nothing, and leaves a cleared e-mail as null', async () => {
    const vendor = await newVendor(acme, { email: 'a@b.example' });
    const patched = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/vendors/${vendor.id}`,
      payload: { email: null, phone: '555-0100' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.data).toMatchObject({ email: null, phone: '555-0100' });
    const audit = await auditOf(t, vendor.id);
    expect(audit[1]!.changes).toEqual({
      email: { old: '[REDACTED]', new: null },
      phone: { old: null, new: '[REDACTED]' },
    });
  });

  it('filters by code and by q, escaping the LIKE wildcards', async () => {
    const tenant = await createTenant(t);
    const alpha = await newVendor(tenant, { code: 'ALPHA-1', name: 'Alpha Plumbing' });
    const beta = await newVendor(tenant, { code: 'BETA-2', name: 'Beta Electrics' });
    const percent = await newVendor(tenant, { code: 'P100', name: '100% Clean' });
    const hundred = await newVendor(tenant, { code: 'P1000', name: '1000 Clean' });
    const underscore = await newVendor(tenant, { code: 'U_1', name: 'Under Score' });
    const backslash = await newVendor(tenant, { code: 'BS-1', name: 'Back\\Slash' });

    expect(await list(tenant, 'code=BETA-2')).toEqual([beta.id]);
    expect(await list(tenant, 'code=beta-2')).toEqual([]);
    expect(await list(tenant, 'q=plumb')).toEqual([alpha.id]);
    expect(await list(tenant, 'q=ELECTRIC')).toEqual([beta.id]);
    expect(await list(tenant, 'q=alpha-')).toEqual([alpha.id]);
    expect(await list(tenant, `q=${encodeURIComponent('0%')}`)).toEqual([percent.id]);
    expect(await list(tenant, 'q=clean')).toEqual([percent.id, hundred.id]);
    expect(await list(tenant, 'q=U_')).toEqual([underscore.id]);
    expect(await list(tenant, `q=${encodeURIComponent('\\')}`)).toEqual([backslash.id]);
    expect(await list(tenant, 'q=nothing-like-this')).toEqual([]);
    expect(await list(other, 'q=plumb')).not.toContain(alpha.id);
  });

  it('sorts by code (the default), name, created_at and updated_at', async () => {
    const tenant = await createTenant(t);
    const c = await newVendor(tenant, { code: 'C', name: 'Able' });
    const a = await newVendor(tenant, { code: 'A', name: 'Charlie' });
    const b = await newVendor(tenant, { code: 'B', name: 'Baker' });
    const touched = await call(t, tenant.adminToken, {
      method: 'PATCH',
      url: `/api/v1/vendors/${a.id}`,
      payload: { name: 'Charlie Co' },
    });
    expect(touched.statusCode).toBe(200);

    expect(await list(tenant, '')).toEqual([a.id, b.id, c.id]);
    expect(await list(tenant, 'sort=-code')).toEqual([c.id, b.id, a.id]);
    expect(await list(tenant, 'sort=name')).toEqual([c.id, b.id, a.id]);
    expect(await list(tenant, 'sort=created_at')).toEqual([c.id, a.id, b.id]);
    expect(await list(tenant, 'sort=-updated_at')).toEqual([a.id, b.id, c.id]);

    const first = await call(t, tenant.adminToken, {
      method: 'GET',
      url: '/api/v1/vendors?sort=name&page_size=2',
    });
    expect(idsOf(first)).toEqual([c.id, b.id]);
    const cursor = (first.data.pagination as { next_cursor: string }).next_cursor;
    const second = await call(t, tenant.adminToken, {
      method: 'GET',
      url: `/api/v1/vendors?sort=name&page_size=2&cursor=${encodeURIComponent(cursor)}`,
    });
    expect(idsOf(second)).toEqual([a.id]);

    const unknown = await call(t, tenant.adminToken, {
      method: 'GET',
      url: '/api/v1/vendors?sort=email',
    });
    expect(unknown.statusCode).toBe(400);
  });

  it('refuses unknown fields, status, bad lengths and bad formats', async () => {
    const tooLong = 'x'.repeat(201);
    for (const payload of [
      { colour: 'red' },
      { status: 'ACTIVE' },
      { name: '' },
      { name: tooLong },
      { code: '' },
      { code: '-leading-dash' },
      { code: 'has space' },
      { code: 'C'.repeat(33) },
      { email: 'not-an-email' },
      { email: `${'a'.repeat(250)}@b.example` },
      { phone: 'call me' },
      { phone: '12' },
      { name: 42 },
    ]) {
      const created = await call(t, acme.adminToken, {
        method: 'POST',
        url: '/api/v1/vendors',
        payload: { code: 'BAD', name: 'Bad', ...payload },
      });
      expect(created.statusCode, JSON.stringify(payload)).toBe(400);
      expect(created.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    const missing = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/vendors',
      payload: { name: 'No code' },
    });
    expect(missing.statusCode).toBe(400);

    const vendor = await newVendor(acme);
    for (const payload of [{ colour: 'red' }, { status: 'ACTIVE' }, { email: 'nope' }, {}]) {
      const patched = await call(t, acme.adminToken, {
        method: 'PATCH',
        url: `/api/v1/vendors/${vendor.id}`,
        payload,
      });
      expect(patched.statusCode, JSON.stringify(payload)).toBe(400);
      expect(patched.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    expect(await storedVendor(vendor.id)).toMatchObject({ version: 1 });
  });

  it('answers 409 for a code another live vendor of the tenant holds', async () => {
    const first = await newVendor(acme, { code: 'DUP-V' });
    const again = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/vendors',
      payload: { code: 'DUP-V', name: 'Again' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.data.error).toMatchObject({ code: 'CONFLICT', details: { field: 'code' } });

    const second = await newVendor(acme, { code: 'DUP-W' });
    const renamed = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/vendors/${second.id}`,
      payload: { code: 'DUP-V' },
    });
    expect(renamed.statusCode).toBe(409);
    expect(renamed.data.error).toMatchObject({ code: 'CONFLICT', details: { field: 'code' } });

    await newVendor(other, { code: 'DUP-V' });
    const removed = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/vendors/${first.id}`,
    });
    expect(removed.statusCode).toBe(204);
    await newVendor(acme, { code: 'DUP-V' });
  });

  it('lets any member read, and needs vendors.manage to write', async () => {
    const vendor = await newVendor(acme);
    const reader = await createPersonWith(t, acme, []);
    const listed = await call(t, reader.token, { method: 'GET', url: '/api/v1/vendors' });
    expect(listed.statusCode).toBe(200);
    expect(idsOf(listed)).toContain(vendor.id);
    const read = await call(t, reader.token, {
      method: 'GET',
      url: `/api/v1/vendors/${vendor.id}`,
    });
    expect(read.statusCode).toBe(200);

    for (const [method, url, payload] of [
      ['POST', '/api/v1/vendors', { code: 'NOPE', name: 'Nope' }],
      ['PATCH', `/api/v1/vendors/${vendor.id}`, { name: 'Nope' }],
      ['DELETE', `/api/v1/vendors/${vendor.id}`, undefined],
    ] as const) {
      const denied = await call(t, reader.token, { method, url, ...(payload ? { payload } : {}) });
      expect(denied.statusCode, method).toBe(403);
      expect(denied.data.error).toMatchObject({
        code: 'PERMISSION_DENIED',
        details: { required_permission: 'vendors.manage' },
      });
    }
    expect(await storedVendor(vendor.id)).toMatchObject({ version: 1, deleted_at: null });

    const manager = await createPersonWith(t, acme, ['vendors.manage']);
    const created = await call(t, manager.token, {
      method: 'POST',
      url: '/api/v1/vendors',
      payload: { code: `M-${randomUUID().slice(0, 8)}`, name: 'Managed' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.data.created_by).toBe(manager.id);

    const anonymous = await call(t, null, { method: 'GET', url: '/api/v1/vendors' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('refuses to delete a vendor named on a live work order', async () => {
    const vendor = await newVendor(acme);
    const site = await createSite(t, acme.adminToken);
    const wo = await createRecord(t, acme.adminToken, 'work-orders', {
      title: 'Deep clean',
      site_id: site.id,
      vendor_id: vendor.id,
    });
    const refused = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/vendors/${vendor.id}`,
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.data.error).toMatchObject({ details: { referenced_by: { work_orders: 1 } } });
    expect((await storedVendor(vendor.id)).deleted_at).toBeNull();
    const unassigned = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/work-orders/${wo.id}`,
      payload: { vendor_id: null },
    });
    expect(unassigned.statusCode).toBe(200);
    const deleted = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/vendors/${vendor.id}`,
    });
    expect(deleted.statusCode).toBe(204);
  });
});
