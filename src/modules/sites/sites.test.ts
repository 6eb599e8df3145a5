import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, onPostgres, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { auditOf, createRecord, createSite, idsOf } from '../../../test/records.js';

let t: TestApp;
let acme: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  other = await createTenant(t, 'Other');
});
afterAll(() => t.close());

const square = (lng: number, lat: number, half: number) => [
  [lng - half, lat - half],
  [lng + half, lat - half],
  [lng + half, lat + half],
  [lng - half, lat + half],
  [lng - half, lat - half],
];

describe('sites', () => {
  it('creates, reads, lists, updates and deletes a site, auditing each write', async () => {
    const geofence = {
      type: 'Polygon',
      coordinates: [square(-0.1, 51.5, 0.01), square(-0.1, 51.5, 0.002)],
    };
    const created = await createSite(t, acme.adminToken, {
      code: 'LON-1',
      name: 'London One',
      timezone: 'Europe/London',
      geofence,
      shift_start: '22:00',
      shift_end: '06:00',
    });
    expect(created).toMatchObject({
      tenant_id: acme.id,
      code: 'LON-1',
      geofence,
      shift_start: '22:00',
      version: 1,
      created_by: acme.adminId,
    });

    const read = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/sites/${created.id}`,
    });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    expect(read.data).toEqual(created);

    const listed = await call(t, acme.adminToken, {
      method: 'GET',
      url: '/api/v1/sites?code=LON-1',
    });
    expect(idsOf(listed)).toEqual([created.id]);

    const patched = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/sites/${created.id}`,
      payload: { name: 'London Central', version: 1 },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.data).toMatchObject({ name: 'London Central', version: 2, code: 'LON-1' });
    expect(patched.headers.etag).toBe('"2"');

    const deleted = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/sites/${created.id}`,
      headers: { 'if-match': '"2"' },
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const gone = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/sites/${created.id}`,
    });
    expect(gone.statusCode).toBe(404);

    const audit = await auditOf(t, created.id);
    expect(audit.map((entry) => entry.event_type)).toEqual(['CREATED', 'UPDATED', 'DELETED']);
    expect(audit[1]!.changes).toEqual({ name: { old: 'London One', new: 'London Central' } });
  });

  it('filters by code, time zone and id, and sorts by code, name and dates', async () => {
    const tenant = await createTenant(t, 'Lists');
    const [b, a, c] = [
      await createSite(t, tenant.adminToken, {
        code: 'B-2',
        name: 'Alpha',
        timezone: 'Asia/Kolkata',
      }),
      await createSite(t, tenant.adminToken, { code: 'A-1', name: 'Charlie', timezone: 'UTC' }),
      await createSite(t, tenant.adminToken, { code: 'C-3', name: 'Bravo', timezone: 'UTC' }),
    ];
    const ids = async (query: string) =>
      idsOf(await call(t, tenant.adminToken, { method: 'GET', url: `/api/v1/sites?${query}` }));
    expect(await ids('')).toEqual([a.id, b.id, c.id]);
    expect(await ids('code=C-3')).toEqual([c.id]);
    expect(await ids('timezone=UTC')).toEqual([a.id, c.id]);
    expect(await ids(`id=${b.id}`)).toEqual([b.id]);
    expect(await ids('sort=-code')).toEqual([c.id, b.id, a.id]);
    expect(await ids('sort=name')).toEqual([b.id, c.id, a.id]);
    expect(await ids('sort=-created_at')).toEqual([c.id, a.id, b.id]);
    const bad = await call(t, tenant.adminToken, {
      method: 'GET',
      url: '/api/v1/sites?sort=colour',
    });
    expect(bad.statusCode).toBe(400);
  });

  it('refuses bad time zones, open rings, bad clock times and unknown fields', async () => {
    for (const payload of [
      { timezone: 'Mars/Olympus' },
      { timezone: '+05:30' },
      { geofence: { type: 'Polygon', coordinates: [square(10, 10, 1).slice(0, 4)] } },
      {
        geofence: {
          type: 'Polygon',
          coordinates: [
            [
              [200, 10],
              [10, 10],
              [10, 11],
              [200, 10],
            ],
          ],
        },
      },
      { geofence: { type: 'Point', coordinates: [1, 2] } },
      { shift_start: '24:00' },
      { shift_end: '7:00' },
      { colour: 'red' },
      { name: '' },
    ]) {
      const response = await call(t, acme.adminToken, {
        method: 'POST',
        url: '/api/v1/sites',
        payload: { code: 'BAD', name: 'Bad', ...payload },
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
  });

  it("answers 404 for another tenant's site, and needs sites.manage to write", async () => {
    const theirs = await createSite(t, other.adminToken);
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const response = await call(t, acme.adminToken, {
        method,
        url: `/api/v1/sites/${theirs.id}`,
        ...(method === 'PATCH' ? { payload: { name: 'Mine now' } } : {}),
      });
      expect(response.statusCode, method).toBe(404);
    }
    const reader = await createPersonWith(t, acme, []);
    const list = await call(t, reader.token, { method: 'GET', url: '/api/v1/sites' });
    expect(list.statusCode).toBe(200);
    expect(idsOf(list)).not.toContain(theirs.id);
    const denied = await call(t, reader.token, {
      method: 'POST',
      url: '/api/v1/sites',
      payload: { code: 'NOPE', name: 'Nope' },
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.data.error).toMatchObject({ details: { required_permission: 'sites.manage' } });
  });

  it('answers 409 for a duplicate code', async () => {
    await createSite(t, acme.adminToken, { code: 'DUP-1' });
    const again = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/sites',
      payload: { code: 'DUP-1', name: 'Again' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.data.error).toMatchObject({ code: 'CONFLICT', details: { field: 'code' } });
  });

  it('refuses to delete a site live records use, and allows it once they are gone', async () => {
    const site = await createSite(t, acme.adminToken);
    const asset = await createRecord(t, acme.adminToken, 'assets', {
      code: 'PUMP-1',
      name: 'Pump',
      site_id: site.id,
    });
    const refused = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/sites/${site.id}`,
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.data.error).toMatchObject({
      code: 'CONFLICT',
      details: { referenced_by: { assets: 1 } },
    });
    const kept = await call(t, acme.adminToken, { method: 'GET', url: `/api/v1/sites/${site.id}` });
    expect(kept.data.version).toBe(1);
    expect((await auditOf(t, site.id)).map((entry) => entry.event_type)).toEqual(['CREATED']);

    const assetGone = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/assets/${asset.id}`,
    });
    expect(assetGone.statusCode).toBe(204);
    const deleted = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/sites/${site.id}`,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const onDeletedSite = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/people',
      payload: { login: 'late.arrival', name: 'Late Arrival', site_id: site.id },
    });
    expect(onDeletedSite.statusCode).toBe(400);
    expect(onDeletedSite.data.error).toMatchObject({ details: { errors: [{ path: '/site_id' }] } });
  });

  it.runIf(onPostgres)(
    'never lets a site be deleted while a record naming it is created at the same time',
    async () => {
      for (let round = 0; round < 10; round++) {
        const site = await createSite(t, acme.adminToken);
        const [asset, deletion] = await Promise.all([
          call(t, acme.adminToken, {
            method: 'POST',
            url: '/api/v1/assets',
            payload: { code: `RACE-${round}`, name: 'Racing pump', site_id: site.id },
          }),
          call(t, acme.adminToken, { method: 'DELETE', url: `/api/v1/sites/${site.id}` }),
        ]);
        const outcome = [asset.statusCode, deletion.statusCode];
        expect(
          [
            [201, 409],
            [400, 204],
          ],
          JSON.stringify(outcome),
        ).toContainEqual(outcome);
      }
    },
  );
});
