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

/** A site and a person of the tenant for attendance records to name. */
async function placeAndPerson(tenant: TestTenant) {
  const site = await createSite(t, tenant.adminToken);
  const person = await createPersonWith(t, tenant, []);
  return { siteId: site.id, personId: person.id };
}

function createAttendance(tenant: TestTenant, payload: Body) {
  return createRecord(t, tenant.adminToken, 'attendance', payload);
}

function list(query: string, token = acme.adminToken) {
  return call(t, token, { method: 'GET', url: `/api/v1/attendance?${query}` });
}

/** Transitions come later: tests move a record's status behind the API's back. */
function setStatus(id: string, status: string) {
  return withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx.updateTable('attendance_records').set({ status }).where('id', '=', id).execute(),
  );
}

function rowOf(id: string) {
  return withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx.selectFrom('attendance_records').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );
}

describe('attendance records', () => {
  it('creates, reads, lists, updates and deletes a record, auditing each write', async () => {
    const { siteId, personId } = await placeAndPerson(acme);
    const created = await createAttendance(acme, {
      person_id: personId,
      site_id: siteId,
      work_date: '2024-03-05',
      punch_in_at: '2024-03-05T08:00:00Z',
      location: { lat: 51.5, lng: -0.12 },
      remarks: 'Night cover',
    });
    expect(created).toMatchObject({
      tenant_id: acme.id,
      person_id: personId,
      site_id: siteId,
      work_date: '2024-03-05',
      punch_in_at: '2024-03-05T08:00:00.000Z',
      punch_out_at: null,
      location: { lat: 51.5, lng: -0.12 },
      status: 'PENDING',
      adjustment_reason: null,
      remarks: 'Night cover',
      version: 1,
      created_by: acme.adminId,
      updated_by: acme.adminId,
    });
    expect(typeof created.status_changed_at).toBe('string');

    const read = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/attendance/${created.id}`,
    });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    expect(read.data).toEqual(created);

    expect(idsOf(await list(`person_id=${personId}`))).toEqual([created.id]);

    const patched = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/attendance/${created.id}`,
      payload: { punch_out_at: '2024-03-05T16:30:00Z', remarks: null, version: 1 },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.headers.etag).toBe('"2"');
    expect(patched.data).toMatchObject({
      version: 2,
      punch_in_at: '2024-03-05T08:00:00.000Z',
      punch_out_at: '2024-03-05T16:30:00.000Z',
      remarks: null,
      work_date: '2024-03-05',
    });

    const deleted = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/attendance/${created.id}`,
      headers: { 'if-match': '"2"' },
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const gone = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/attendance/${created.id}`,
    });
    expect(gone.statusCode).toBe(404);
    expect(idsOf(await list(`person_id=${personId}`))).toEqual([]);
    expect((await rowOf(created.id)).deleted_at).not.toBeNull();

    const audit = await auditOf(t, created.id);
    expect(audit.map((entry) => entry.event_type)).toEqual(['CREATED', 'UPDATED', 'DELETED']);
    expect(audit.every((entry) => entry.entity_type === 'attendance')).toBe(true);
    expect(audit[0]!.changes).toMatchObject({
      person_id: { old: null, new: personId },
      work_date: { old: null, new: '2024-03-05' },
      location: { old: null, new: { lat: 51.5, lng: -0.12 } },
    });
    expect(audit[1]!.changes).toEqual({
      punch_out_at: { old: null, new: expect.stringMatching(/^2024-03-05T16:30:00/) },
      remarks: { old: 'Night cover', new: null },
    });
  });

  it('filters by status, site, person and work date range, and sorts', async () => {
    const { siteId, personId } = await placeAndPerson(acme);
    const otherSite = await createSite(t, acme.adminToken);
    const colleague = await createPersonWith(t, acme, []);
    const early = await createAttendance(acme, {
      person_id: personId,
      site_id: siteId,
      work_date: '2024-01-10',
      punch_in_at: '2024-01-10T09:00:00Z',
    });
    const middle = await createAttendance(acme, {
      person_id: colleague.id,
      site_id: siteId,
      work_date: '2024-01-20',
    });
    const late = await createAttendance(acme, {
      person_id: personId,
      site_id: siteId,
      work_date: '2024-01-31',
      punch_in_at: '2024-01-31T07:00:00Z',
    });
    const elsewhere = await createAttendance(acme, {
      person_id: personId,
      site_id: otherSite.id,
      work_date: '2024-01-15',
    });
    await setStatus(late.id, 'APPROVED');
    await setStatus(middle.id, 'LOCKED');

    const site = `site_id=${siteId}`;
    expect(idsOf(await list(site))).toEqual([late.id, middle.id, early.id]);
    expect(idsOf(await list(`person_id=${personId}&sort=work_date`))).toEqual([
      early.id,
      elsewhere.id,
      late.id,
    ]);
    expect(idsOf(await list(`${site}&status=APPROVED,LOCKED&sort=work_date`))).toEqual([
      middle.id,
      late.id,
    ]);
    expect(idsOf(await list(`${site}&status=PENDING`))).toEqual([early.id]);
    expect(idsOf(await list(`${site}&work_date_from=2024-01-20`))).toEqual([late.id, middle.id]);
    expect(idsOf(await list(`${site}&work_date_to=2024-01-20`))).toEqual([middle.id, early.id]);
    expect(idsOf(await list(`${site}&work_date_from=2024-01-11&work_date_to=2024-01-30`))).toEqual([
      middle.id,
    ]);
    // Records without a punch-in sort last either way.
    expect(idsOf(await list(`${site}&sort=punch_in_at`))).toEqual([early.id, late.id, middle.id]);
    expect(idsOf(await list(`${site}&sort=-punch_in_at`))).toEqual([late.id, early.id, middle.id]);
    expect(idsOf(await list(`${site}&sort=created_at`))).toEqual([early.id, middle.id, late.id]);
    expect(idsOf(await list(`${site}&sort=-updated_at`))).toHaveLength(3);

    const paged = await list(`${site}&page_size=2`);
    expect(paged.data.pagination).toMatchObject({ total_count: 3, has_next: true });
    const cursor = (paged.data.pagination as { next_cursor: string }).next_cursor;
    const next = await list(`${site}&page_size=2&cursor=${encodeURIComponent(cursor)}`);
    expect(idsOf(next)).toEqual([early.id]);

    for (const query of [
      'status=DONE',
      'work_date_from=2024-13-01',
      'work_date_to=yesterday',
      'site_id=nope',
      'sort=status',
      'colour=red',
    ]) {
      expect((await list(query)).statusCode, query).toBe(400);
    }
  });

  it('refuses bad fields, unwritable fields and punches out of order', async () => {
    const { siteId, personId } = await placeAndPerson(acme);
    const valid = { person_id: personId, site_id: siteId, work_date: '2024-02-01' };
    for (const payload of [
      { status: 'APPROVED' },
      { adjustment_reason: 'forgot' },
      { colour: 'red' },
      { work_date: '2024-02-30' },
      { work_date: '01/02/2024' },
      { punch_in_at: 'nine o clock' },
      { location: { lat: 91, lng: 0 } },
      { location: { lat: 0, lng: -181 } },
      { location: { lat: 0, lng: 0, accuracy: 5 } },
      { location: { lat: 0 } },
      { remarks: 'x'.repeat(1001) },
      { person_id: 'not-a-uuid' },
    ]) {
      const response = await call(t, acme.adminToken, {
        method: 'POST',
        url: '/api/v1/attendance',
        payload: { ...valid, ...payload },
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    const reversed = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/attendance',
      payload: {
        ...valid,
        punch_in_at: '2024-02-01T17:00:00Z',
        punch_out_at: '2024-02-01T08:00:00Z',
      },
    });
    expect(reversed.statusCode).toBe(400);
    expect(reversed.data.error).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { errors: [{ path: '/punch_out_at' }] },
    });
    for (const field of ['person_id', 'site_id', 'work_date']) {
      const { [field]: _missing, ...rest } = valid as Record<string, string>;
      const response = await call(t, acme.adminToken, {
        method: 'POST',
        url: '/api/v1/attendance',
        payload: rest,
      });
      expect(response.statusCode, field).toBe(400);
    }
    expect(idsOf(await list(`person_id=${personId}`))).toEqual([]);

    const record = await createAttendance(acme, {
      ...valid,
      punch_in_at: '2024-02-01T08:00:00Z',
      remarks: 'x'.repeat(1000),
    });
    for (const payload of [
      { punch_out_at: '2024-02-01T07:00:00Z' },
      { status: 'LOCKED' },
      { adjustment_reason: 'late bus' },
      { version: 1 },
      {},
    ]) {
      const response = await call(t, acme.adminToken, {
        method: 'PATCH',
        url: `/api/v1/attendance/${record.id}`,
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    const row = await rowOf(record.id);
    expect(row).toMatchObject({ version: 1, punch_out_at: null, status: 'PENDING' });
    expect((await auditOf(t, record.id)).map((entry) => entry.event_type)).toEqual(['CREATED']);
  });

  it("refuses unknown people and sites, including another tenant's", async () => {
    const { siteId, personId } = await placeAndPerson(acme);
    const theirs = await placeAndPerson(other);
    const cases: [Body, string][] = [
      [{ person_id: randomUUID() }, 'person_id'],
      [{ person_id: theirs.personId }, 'person_id'],
      [{ site_id: randomUUID() }, 'site_id'],
      [{ site_id: theirs.siteId }, 'site_id'],
    ];
    for (const [payload, field] of cases) {
      const response = await call(t, acme.adminToken, {
        method: 'POST',
        url: '/api/v1/attendance',
        payload: { person_id: personId, site_id: siteId, work_date: '2024-02-02', ...payload },
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.data.error).toMatchObject({
        code: 'VALIDATION_ERROR',
        details: { errors: [{ path: `/${field}` }] },
      });
    }
    const record = await createAttendance(acme, {
      person_id: personId,
      site_id: siteId,
      work_date: '2024-02-02',
    });
    for (const [payload] of cases) {
      const response = await call(t, acme.adminToken, {
        method: 'PATCH',
        url: `/api/v1/attendance/${record.id}`,
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
    const deletedSite = await createSite(t, acme.adminToken);
    const removed = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/sites/${deletedSite.id}`,
    });
    expect(removed.statusCode).toBe(204);
    const toDeletedSite = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/attendance/${record.id}`,
      payload: { site_id: deletedSite.id },
    });
    expect(toDeletedSite.statusCode).toBe(400);
    expect((await rowOf(record.id)).version).toBe(1);
  });

  it('refuses every change and deletion of a LOCKED record, whatever the version', async () => {
    const { siteId, personId } = await placeAndPerson(acme);
    const record = await createAttendance(acme, {
      person_id: personId,
      site_id: siteId,
      work_date: '2024-02-06',
      punch_in_at: '2024-02-06T08:00:00Z',
    });
    await setStatus(record.id, 'LOCKED');
    const before = await rowOf(record.id);

    const attempts = [
      { method: 'PATCH', payload: { remarks: 'edit', version: 1 } },
      { method: 'PATCH', payload: { punch_out_at: '2024-02-06T17:00:00Z' } },
      { method: 'PATCH', headers: { 'if-match': '"1"' }, payload: { work_date: '2024-02-07' } },
      { method: 'DELETE', headers: { 'if-match': '"1"' } },
      { method: 'DELETE' },
    ] as const;
    for (const attempt of attempts) {
      const response = await call(t, acme.adminToken, {
        ...attempt,
        url: `/api/v1/attendance/${record.id}`,
      });
      expect(response.statusCode, JSON.stringify(attempt)).toBe(409);
      expect(response.data.error).toMatchObject({ code: 'RECORD_LOCKED' });
    }
    expect(await rowOf(record.id)).toEqual(before);
    expect((await auditOf(t, record.id)).map((entry) => entry.event_type)).toEqual(['CREATED']);

    const read = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/attendance/${record.id}`,
    });
    expect(read.statusCode).toBe(200);
    expect(read.data).toMatchObject({ status: 'LOCKED', version: 1 });

    await setStatus(record.id, 'APPROVED');
    const unlocked = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/attendance/${record.id}`,
      payload: { remarks: 'edit', version: 1 },
    });
    expect(unlocked.statusCode, unlocked.body).toBe(200);
  });

  it('needs attendance.view to read and the matching permission to write', async () => {
    const { siteId, personId } = await placeAndPerson(acme);
    const record = await createAttendance(acme, {
      person_id: personId,
      site_id: siteId,
      work_date: '2024-02-08',
    });
    const nobody = await createPersonWith(t, acme, ['tickets.view']);
    const viewer = await createPersonWith(t, acme, ['attendance.view']);
    const denials: [string, 'GET' | 'POST' | 'PATCH' | 'DELETE', string, string, Body?][] = [
      [nobody.token, 'GET', '/api/v1/attendance', 'attendance.view'],
      [nobody.token, 'GET', `/api/v1/attendance/${record.id}`, 'attendance.view'],
      [
        viewer.token,
        'POST',
        '/api/v1/attendance',
        'attendance.create',
        { person_id: personId, site_id: siteId, work_date: '2024-02-09' },
      ],
      [
        viewer.token,
        'PATCH',
        `/api/v1/attendance/${record.id}`,
        'attendance.update',
        { remarks: 'x' },
      ],
      [viewer.token, 'DELETE', `/api/v1/attendance/${record.id}`, 'attendance.delete'],
    ];
    for (const [token, method, url, permission, payload] of denials) {
      const response = await call(t, token, { method, url, ...(payload ? { payload } : {}) });
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      expect(response.data.error).toMatchObject({
        code: 'PERMISSION_DENIED',
        details: { required_permission: permission },
      });
    }
    expect((await list(`person_id=${personId}`, viewer.token)).statusCode).toBe(200);
    expect(await rowOf(record.id)).toMatchObject({ version: 1, deleted_at: null });

    const clerk = await createPersonWith(t, acme, ['attendance.create', 'attendance.update']);
    const created = await call(t, clerk.token, {
      method: 'POST',
      url: '/api/v1/attendance',
      payload: { person_id: personId, site_id: siteId, work_date: '2024-02-09' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.data.created_by).toBe(clerk.id);
  });
});
