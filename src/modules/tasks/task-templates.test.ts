import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type Body, type TestApp } from '../../../test/app.js';
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

const createTemplate = (token: string, payload: Body = {}) =>
  createRecord(t, token, 'task-templates', { name: 'Chiller inspection', ...payload });

const list = (query: string, token = acme.adminToken) =>
  call(t, token, { method: 'GET', url: `/api/v1/task-templates?${query}` });

describe('task templates', () => {
  it('creates, reads, updates and deletes a template, auditing each write', async () => {
    const site = await createSite(t, acme.adminToken);
    const created = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/task-templates',
      payload: {
        name: 'Monthly chiller check',
        description: 'Check pressures and log the readings',
        site_id: site.id,
        requires_meter_reading: true,
        requires_photo: true,
        grace_minutes: 90,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    const template = created.data as Body & { id: string };
    expect(template).toMatchObject({
      tenant_id: acme.id,
      name: 'Monthly chiller check',
      description: 'Check pressures and log the readings',
      site_id: site.id,
      requires_observation: false,
      requires_meter_reading: true,
      requires_photo: true,
      grace_minutes: 90,
      version: 1,
      created_by: acme.adminId,
      updated_by: acme.adminId,
    });

    const read = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/task-templates/${template.id}`,
    });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    expect(read.data).toEqual(template);

    const patched = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/task-templates/${template.id}`,
      payload: { name: 'Chiller check', requires_observation: true, grace_minutes: 90, version: 1 },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.headers.etag).toBe('"2"');
    expect(patched.data).toMatchObject({
      name: 'Chiller check',
      requires_observation: true,
      grace_minutes: 90,
      version: 2,
    });

    const deleted = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/task-templates/${template.id}`,
      headers: { 'if-match': '"2"' },
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const gone = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/task-templates/${template.id}`,
    });
    expect(gone.statusCode).toBe(404);
    expect(idsOf(await list(`site_id=${site.id}`))).toEqual([]);

    const audit = await auditOf(t, template.id);
    expect(audit.map((entry) => [entry.event_type, entry.entity_type])).toEqual([
      ['CREATED', 'task_template'],
      ['UPDATED', 'task_template'],
      ['DELETED', 'task_template'],
    ]);
    expect(audit[0]!.changes).toMatchObject({
      name: { old: null, new: 'Monthly chiller check' },
      requires_observation: { old: null, new: false },
      grace_minutes: { old: null, new: 90 },
    });
    expect(audit[1]!.changes).toEqual({
      name: { old: 'Monthly chiller check', new: 'Chiller check' },
      requires_observation: { old: false, new: true },
    });
  });

  it('defaults the flags to false, grace to 0 and site and description to null', async () => {
    const template = await createTemplate(acme.adminToken, { name: 'Bare' });
    expect(template).toMatchObject({
      description: null,
      site_id: null,
      requires_observation: false,
      requires_meter_reading: false,
      requires_photo: false,
      grace_minutes: 0,
    });
  });

  it('lists by site and by name substring, with % and _ taken literally', async () => {
    const site = await createSite(t, acme.adminToken);
    const elsewhere = await createSite(t, acme.adminToken);
    const percent = await createTemplate(acme.adminToken, {
      name: 'Alpha: fill to 50%',
      site_id: site.id,
    });
    const plain = await createTemplate(acme.adminToken, {
      name: 'Bravo: fill to 500',
      site_id: site.id,
    });
    const underscore = await createTemplate(acme.adminToken, {
      name: 'Charlie: pump_a',
      site_id: site.id,
    });
    const away = await createTemplate(acme.adminToken, {
      name: 'Delta: pumpXa',
      site_id: elsewhere.id,
    });

    expect(idsOf(await list(`site_id=${site.id}`)).sort()).toEqual(
      [percent.id, plain.id, underscore.id].sort(),
    );
    expect(idsOf(await list(`site_id=${elsewhere.id}`))).toEqual([away.id]);
    expect(idsOf(await list(`site_id=${site.id}&q=${encodeURIComponent('50%')}`))).toEqual([
      percent.id,
    ]);
    expect(idsOf(await list(`q=${encodeURIComponent('FILL TO 50')}&site_id=${site.id}`))).toEqual([
      percent.id,
      plain.id,
    ]);
    expect(idsOf(await list(`q=${encodeURIComponent('pump_a')}`))).toEqual([underscore.id]);

    // Default sort is by name; -name reverses it.
    expect(idsOf(await list(`site_id=${site.id}`))).toEqual([percent.id, plain.id, underscore.id]);
    expect(idsOf(await list(`site_id=${site.id}&sort=-name`))).toEqual([
      underscore.id,
      plain.id,
      percent.id,
    ]);
    expect(idsOf(await list(`site_id=${site.id}&sort=-created_at`))).toEqual([
      underscore.id,
      plain.id,
      percent.id,
    ]);
    expect((await list('sort=priority')).statusCode).toBe(400);
    expect((await list('colour=red')).statusCode).toBe(400);
  });

  it('refuses unknown fields, status, bad lengths, bad ranges and bad references', async () => {
    const theirSite = await createSite(t, other.adminToken);
    const cases: [Body, string | null][] = [
      [{ colour: 'red' }, null],
      [{ status: 'ACTIVE' }, null],
      [{ name: '' }, '/name'],
      [{ name: 'x'.repeat(201) }, '/name'],
      [{ description: 'x'.repeat(5001) }, '/description'],
      [{ grace_minutes: -1 }, '/grace_minutes'],
      [{ grace_minutes: 525601 }, '/grace_minutes'],
      [{ grace_minutes: 1.5 }, '/grace_minutes'],
      [{ requires_photo: 'yes' }, '/requires_photo'],
      [{ site_id: 'not-a-uuid' }, '/site_id'],
      [{ site_id: randomUUID() }, '/site_id'],
      [{ site_id: theirSite.id }, '/site_id'],
    ];
    for (const [payload, path] of cases) {
      const response = await call(t, acme.adminToken, {
        method: 'POST',
        url: '/api/v1/task-templates',
        payload: { name: 'Bad', ...payload },
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
      if (path) expect(JSON.stringify(response.data.error), path).toContain(path);
    }
    const ok = await createTemplate(acme.adminToken);
    for (const payload of [{ status: 'ACTIVE' }, { site_id: theirSite.id }, { name: '' }, {}]) {
      const response = await call(t, acme.adminToken, {
        method: 'PATCH',
        url: `/api/v1/task-templates/${ok.id}`,
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
  });

  it('needs tasks.view to read and tasks.create/update/delete to write', async () => {
    const template = await createTemplate(acme.adminToken);
    const url = `/api/v1/task-templates/${template.id}`;
    const nobody = await createPersonWith(t, acme, []);
    const viewer = await createPersonWith(t, acme, ['tasks.view']);
    const requests = [
      { token: nobody.token, method: 'GET', url: '/api/v1/task-templates', needs: 'tasks.view' },
      { token: nobody.token, method: 'GET', url, needs: 'tasks.view' },
      {
        token: viewer.token,
        method: 'POST',
        url: '/api/v1/task-templates',
        payload: { name: 'Nope' },
        needs: 'tasks.create',
      },
      {
        token: viewer.token,
        method: 'PATCH',
        url,
        payload: { name: 'Nope' },
        needs: 'tasks.update',
      },
      { token: viewer.token, method: 'DELETE', url, needs: 'tasks.delete' },
    ] as const;
    for (const { token, needs, ...request } of requests) {
      const response = await call(t, token, request);
      expect(response.statusCode, `${request.method} ${request.url}`).toBe(403);
      expect(response.data.error).toMatchObject({
        code: 'PERMISSION_DENIED',
        details: { required_permission: needs },
      });
    }
    expect((await call(t, viewer.token, { method: 'GET', url })).statusCode).toBe(200);
    const writer = await createPersonWith(t, acme, ['tasks.update']);
    const patched = await call(t, writer.token, { method: 'PATCH', url, payload: { name: 'Ok' } });
    expect(patched.statusCode, patched.body).toBe(200);
  });
});
