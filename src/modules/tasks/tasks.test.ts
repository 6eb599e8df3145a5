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

type Created = Body & { id: string; version: number };

const createTask = (token: string, payload: Body) =>
  createRecord(t, token, 'tasks', { title: 'Inspect chiller', ...payload });

const createTemplate = (token: string, payload: Body = {}) =>
  createRecord(t, token, 'task-templates', { name: 'Chiller inspection', ...payload });

const list = (query: string, token = acme.adminToken) =>
  call(t, token, { method: 'GET', url: `/api/v1/tasks?${query}` });

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

/** Transitions come later: put a task in a state directly. */
const setStatus = (id: string, status: string) =>
  withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx.updateTable('tasks').set({ status }).where('id', '=', id).execute(),
  );

/** A site of its own keeps a test's lists apart from every other test's tasks. */
async function freshSite(tenant = acme): Promise<Created> {
  return createSite(t, tenant.adminToken);
}

describe('tasks', () => {
  it('creates, reads, updates and deletes a task, auditing each write', async () => {
    const site = await freshSite();
    const created = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/tasks',
      payload: {
        title: 'Inspect chiller',
        description: 'Roof plant room',
        site_id: site.id,
        assignee_id: acme.adminId,
        priority: 'HIGH',
        planned_at: '2030-05-01T08:00:00.000Z',
        due_at: '2030-05-01T12:00:00.000Z',
        grace_minutes: 30,
        requires_observation: true,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    const task = created.data as Created;
    expect(task).toMatchObject({
      tenant_id: acme.id,
      number: expect.stringMatching(/^TSK-\d{6}$/),
      template_id: null,
      title: 'Inspect chiller',
      description: 'Roof plant room',
      site_id: site.id,
      assignee_id: acme.adminId,
      priority: 'HIGH',
      status: 'ASSIGNED',
      planned_at: '2030-05-01T08:00:00.000Z',
      due_at: '2030-05-01T12:00:00.000Z',
      grace_minutes: 30,
      started_at: null,
      completed_at: null,
      observations: [],
      meter_readings: [],
      photo_count: 0,
      requires_observation: true,
      requires_meter_reading: false,
      requires_photo: false,
      sla_breached: false,
      version: 1,
      created_by: acme.adminId,
      updated_by: acme.adminId,
    });
    expect(typeof task.status_changed_at).toBe('string');

    const url = `/api/v1/tasks/${task.id}`;
    const read = await call(t, acme.adminToken, { method: 'GET', url });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    expect(read.data).toEqual(task);

    const readings = [
      { meter: 'Chiller 1 pressure', value: 4.2, unit: 'bar', recorded_at: '2030-05-01T09:00:00Z' },
    ];
    const patched = await call(t, acme.adminToken, {
      method: 'PATCH',
      url,
      payload: {
        title: 'Inspect chiller 1',
        priority: 'HIGH',
        observations: ['Slight vibration on the compressor'],
        meter_readings: readings,
        photo_count: 2,
        version: 1,
      },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.headers.etag).toBe('"2"');
    expect(patched.data).toMatchObject({
      title: 'Inspect chiller 1',
      observations: ['Slight vibration on the compressor'],
      meter_readings: readings,
      photo_count: 2,
      version: 2,
      number: task.number,
    });

    const deleted = await call(t, acme.adminToken, {
      method: 'DELETE',
      url,
      headers: { 'if-match': '"2"' },
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect((await call(t, acme.adminToken, { method: 'GET', url })).statusCode).toBe(404);
    expect(idsOf(await list(`site_id=${site.id}`))).toEqual([]);

    const audit = await auditOf(t, task.id);
    expect(audit.map((entry) => [entry.event_type, entry.entity_type])).toEqual([
      ['CREATED', 'task'],
      ['UPDATED', 'task'],
      ['DELETED', 'task'],
    ]);
    expect(audit[0]!.changes).toMatchObject({
      number: { old: null, new: task.number },
      title: { old: null, new: 'Inspect chiller' },
      site_id: { old: null, new: site.id },
    });
    expect(audit[1]!.changes).toEqual({
      title: { old: 'Inspect chiller', new: 'Inspect chiller 1' },
      observations: { old: [], new: ['Slight vibration on the compressor'] },
      meter_readings: { old: [], new: readings },
      photo_count: { old: 0, new: 2 },
    });
  });

  it('copies title, description, site, grace and requirement flags from a template', async () => {
    const site = await freshSite();
    const template = await createTemplate(acme.adminToken, {
      name: 'Fire door check',
      description: 'Every door on the floor',
      site_id: site.id,
      requires_observation: true,
      requires_meter_reading: true,
      requires_photo: true,
      grace_minutes: 120,
    });
    const task = await createRecord(t, acme.adminToken, 'tasks', { template_id: template.id });
    expect(task).toMatchObject({
      template_id: template.id,
      title: 'Fire door check',
      description: 'Every door on the floor',
      site_id: site.id,
      priority: 'MEDIUM',
      requires_observation: true,
      requires_meter_reading: true,
      requires_photo: true,
      grace_minutes: 120,
    });
  });

  it('lets values in the body win over the template, null included', async () => {
    const templateSite = await freshSite();
    const site = await freshSite();
    const template = await createTemplate(acme.adminToken, {
      name: 'Fire door check',
      description: 'Every door on the floor',
      site_id: templateSite.id,
      requires_observation: true,
      requires_meter_reading: true,
      grace_minutes: 120,
    });
    const task = await createRecord(t, acme.adminToken, 'tasks', {
      template_id: template.id,
      title: 'Fire doors, level 2',
      description: null,
      site_id: site.id,
      requires_observation: false,
      requires_photo: true,
      grace_minutes: 0,
    });
    expect(task).toMatchObject({
      template_id: template.id,
      title: 'Fire doors, level 2',
      description: null,
      site_id: site.id,
      requires_observation: false,
      requires_meter_reading: true,
      requires_photo: true,
      grace_minutes: 0,
    });
  });

  it('requires a live template of the tenant, or a title and a site without one', async () => {
    const site = await freshSite();
    const theirTemplate = await createTemplate(other.adminToken);
    const deletedTemplate = await createTemplate(acme.adminToken);
    await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/task-templates/${deletedTemplate.id}`,
    });
    const siteless = await createTemplate(acme.adminToken, { site_id: null });
    const closedSite = await freshSite();
    const onClosedSite = await createTemplate(acme.adminToken, { site_id: closedSite.id });
    // The API refuses to delete a site a template uses; a site retired behind its back is refused too.
    const refused = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/sites/${closedSite.id}`,
    });
    expect(refused.statusCode).toBe(409);
    await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx
        .updateTable('sites')
        .set({ deleted_at: new Date() })
        .where('id', '=', closedSite.id)
        .execute(),
    );
    const cases: [Body, string][] = [
      [{ template_id: randomUUID() }, '/template_id'],
      [{ template_id: theirTemplate.id }, '/template_id'],
      [{ template_id: deletedTemplate.id, site_id: site.id }, '/template_id'],
      [{ site_id: site.id }, '/title'],
      [{ title: 'No site' }, '/site_id'],
      [{ template_id: siteless.id }, '/site_id'],
      [{ template_id: onClosedSite.id }, '/site_id'],
    ];
    for (const [payload, path] of cases) {
      const response = await call(t, acme.adminToken, {
        method: 'POST',
        url: '/api/v1/tasks',
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.data.error).toMatchObject({
        code: 'VALIDATION_ERROR',
        details: { errors: [{ path }] },
      });
    }
    expect(idsOf(await list(`site_id=${site.id}`))).toEqual([]);
  });

  it('numbers tasks per tenant and never reuses a number after a delete', async () => {
    const fresh = await createTenant(t, 'Fresh');
    const second = await createTenant(t, 'Second');
    const site = await freshSite(fresh);
    const number = async (tenant: TestTenant, siteId: string) =>
      (await createTask(tenant.adminToken, { site_id: siteId })).number;

    expect(await number(fresh, site.id)).toBe('TSK-000001');
    const two = await createTask(fresh.adminToken, { site_id: site.id });
    expect(two.number).toBe('TSK-000002');
    const deleted = await call(t, fresh.adminToken, {
      method: 'DELETE',
      url: `/api/v1/tasks/${two.id}`,
    });
    expect(deleted.statusCode).toBe(204);
    expect(await number(fresh, site.id)).toBe('TSK-000003');

    // A failed creation takes no number.
    const refused = await call(t, fresh.adminToken, {
      method: 'POST',
      url: '/api/v1/tasks',
      payload: { title: 'x', site_id: site.id, assignee_id: randomUUID() },
    });
    expect(refused.statusCode).toBe(400);
    expect(await number(fresh, site.id)).toBe('TSK-000004');

    expect(await number(second, (await freshSite(second)).id)).toBe('TSK-000001');
  });

  it('filters by status, priority, site, assignee and template', async () => {
    const site = await freshSite();
    const elsewhere = await freshSite();
    const template = await createTemplate(acme.adminToken, { site_id: site.id });
    const worker = await createPersonWith(t, acme, []);
    const low = await createTask(acme.adminToken, { site_id: site.id, priority: 'LOW' });
    const high = await createTask(acme.adminToken, {
      site_id: site.id,
      priority: 'HIGH',
      assignee_id: worker.id,
    });
    const fromTemplate = await createTask(acme.adminToken, {
      template_id: template.id,
      priority: 'CRITICAL',
    });
    const away = await createTask(acme.adminToken, { site_id: elsewhere.id, priority: 'LOW' });
    await setStatus(high.id, 'INPROGRESS');
    await setStatus(fromTemplate.id, 'STANDBY');

    const ids = async (query: string) => idsOf(await list(`sort=number&${query}`));
    expect(await ids(`site_id=${site.id}`)).toEqual([low.id, high.id, fromTemplate.id]);
    expect(await ids(`site_id=${elsewhere.id}`)).toEqual([away.id]);
    expect(await ids(`site_id=${site.id}&status=INPROGRESS`)).toEqual([high.id]);
    expect(await ids(`site_id=${site.id}&status=ASSIGNED,STANDBY`)).toEqual([
      low.id,
      fromTemplate.id,
    ]);
    expect(await ids(`site_id=${site.id}&priority=LOW`)).toEqual([low.id]);
    expect(await ids(`site_id=${site.id}&priority=HIGH,CRITICAL`)).toEqual([
      high.id,
      fromTemplate.id,
    ]);
    expect(await ids(`assignee_id=${worker.id}`)).toEqual([high.id]);
    expect(await ids(`template_id=${template.id}`)).toEqual([fromTemplate.id]);

    for (const query of ['status=DONE', 'status=ASSIGNED,', 'priority=URGENT', 'site_id=1']) {
      expect((await list(query)).statusCode, query).toBe(400);
    }
  });

  it('filters by due and planned dates, bounds included', async () => {
    const site = await freshSite();
    const early = await createTask(acme.adminToken, {
      site_id: site.id,
      planned_at: '2031-01-01T08:00:00.000Z',
      due_at: '2031-01-10T00:00:00.000Z',
    });
    const late = await createTask(acme.adminToken, {
      site_id: site.id,
      planned_at: '2031-02-01T08:00:00.000Z',
      due_at: '2031-02-10T00:00:00.000Z',
    });
    const undated = await createTask(acme.adminToken, { site_id: site.id });

    const ids = async (query: string) =>
      idsOf(await list(`site_id=${site.id}&sort=number&${query}`));
    expect(await ids('')).toEqual([early.id, late.id, undated.id]);
    expect(await ids('due_from=2031-02-10T00:00:00Z')).toEqual([late.id]);
    expect(await ids('due_to=2031-01-10T00:00:00Z')).toEqual([early.id]);
    expect(await ids('due_from=2031-01-01T00:00:00Z&due_to=2031-12-31T00:00:00Z')).toEqual([
      early.id,
      late.id,
    ]);
    expect(await ids('planned_from=2031-01-15T00:00:00Z')).toEqual([late.id]);
    expect(await ids('planned_to=2031-01-01T08:00:00Z')).toEqual([early.id]);
    expect((await list('due_from=yesterday')).statusCode).toBe(400);
  });

  it('computes sla_breached from due_at, grace and status, and filters on it', async () => {
    const site = await freshSite();
    const withinGrace = await createTask(acme.adminToken, {
      site_id: site.id,
      due_at: minutesFromNow(-10),
      grace_minutes: 60,
    });
    const breached = await createTask(acme.adminToken, {
      site_id: site.id,
      due_at: minutesFromNow(-120),
      grace_minutes: 60,
    });
    const completed = await createTask(acme.adminToken, {
      site_id: site.id,
      due_at: minutesFromNow(-120),
    });
    const autoclosed = await createTask(acme.adminToken, {
      site_id: site.id,
      due_at: minutesFromNow(-120),
    });
    const undated = await createTask(acme.adminToken, { site_id: site.id });
    const future = await createTask(acme.adminToken, {
      site_id: site.id,
      due_at: minutesFromNow(60),
    });
    await setStatus(completed.id, 'COMPLETED');
    await setStatus(autoclosed.id, 'AUTOCLOSED');
    expect(completed.sla_breached).toBe(true);

    const breachedList = await list(`site_id=${site.id}&sla_breached=true`);
    expect(idsOf(breachedList)).toEqual([breached.id]);
    expect(breachedList.data.data).toMatchObject([{ sla_breached: true }]);
    const fine = await list(`site_id=${site.id}&sla_breached=false&sort=number`);
    expect(idsOf(fine)).toEqual([
      withinGrace.id,
      completed.id,
      autoclosed.id,
      undated.id,
      future.id,
    ]);
    expect((fine.data.data as Body[]).every((task) => task.sla_breached === false)).toBe(true);

    const read = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/tasks/${completed.id}`,
    });
    expect(read.data).toMatchObject({ status: 'COMPLETED', sla_breached: false });

    // Widening the grace takes the task out of breach.
    const widened = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/tasks/${breached.id}`,
      payload: { grace_minutes: 180 },
    });
    expect(widened.data).toMatchObject({ sla_breached: false });
    expect(idsOf(await list(`site_id=${site.id}&sla_breached=true`))).toEqual([]);
    expect((await list('sla_breached=maybe')).statusCode).toBe(400);
  });

  it('sorts by created_at (default, newest first), due_at, planned_at, priority, number and title', async () => {
    const site = await freshSite();
    const a = await createTask(acme.adminToken, {
      site_id: site.id,
      title: 'Bravo',
      priority: 'CRITICAL',
      due_at: '2032-03-01T00:00:00Z',
    });
    const b = await createTask(acme.adminToken, {
      site_id: site.id,
      title: 'Charlie',
      priority: 'LOW',
      planned_at: '2032-01-01T00:00:00Z',
      due_at: '2032-01-01T00:00:00Z',
    });
    const c = await createTask(acme.adminToken, {
      site_id: site.id,
      title: 'Alpha',
      priority: 'MEDIUM',
      planned_at: '2032-02-01T00:00:00Z',
    });
    const sorted = async (sort: string) => idsOf(await list(`site_id=${site.id}&sort=${sort}`));
    expect(idsOf(await list(`site_id=${site.id}`))).toEqual([c.id, b.id, a.id]);
    expect(await sorted('created_at')).toEqual([a.id, b.id, c.id]);
    expect(await sorted('updated_at')).toEqual([a.id, b.id, c.id]);
    expect(await sorted('due_at')).toEqual([b.id, a.id, c.id]);
    expect(await sorted('-due_at')).toEqual([a.id, b.id, c.id]);
    expect(await sorted('planned_at')).toEqual([b.id, c.id, a.id]);
    expect(await sorted('priority')).toEqual([b.id, c.id, a.id]);
    expect(await sorted('-priority')).toEqual([a.id, c.id, b.id]);
    expect(await sorted('number')).toEqual([a.id, b.id, c.id]);
    expect(await sorted('-number')).toEqual([c.id, b.id, a.id]);
    expect(await sorted('title')).toEqual([c.id, a.id, b.id]);
    expect((await list('sort=status')).statusCode).toBe(400);
  });

  it('refuses status, fixed fields, unknown fields and malformed values', async () => {
    const site = await freshSite();
    const createCases: Body[] = [
      { status: 'COMPLETED' },
      { number: 'TSK-999999' },
      { observations: ['not at creation'] },
      { colour: 'red' },
      { title: '' },
      { title: 'x'.repeat(201) },
      { description: 'x'.repeat(5001) },
      { priority: 'URGENT' },
      { due_at: '2030-13-01T00:00:00Z' },
      { planned_at: 'tomorrow' },
      { grace_minutes: 525601 },
      { grace_minutes: -5 },
      { requires_photo: 'yes' },
      { site_id: 'not-a-uuid' },
    ];
    for (const payload of createCases) {
      const response = await call(t, acme.adminToken, {
        method: 'POST',
        url: '/api/v1/tasks',
        payload: { title: 'Bad', site_id: site.id, ...payload },
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    }

    const task = await createTask(acme.adminToken, { site_id: site.id });
    const reading = { meter: 'M1', value: 1, unit: 'kWh', recorded_at: '2030-01-01T00:00:00Z' };
    const updateCases: Body[] = [
      { status: 'INPROGRESS' },
      { number: 'TSK-000999' },
      { started_at: '2030-01-01T00:00:00Z' },
      { completed_at: '2030-01-01T00:00:00Z' },
      { template_id: randomUUID() },
      { requires_observation: true },
      { requires_meter_reading: true },
      { requires_photo: true },
      { tenant_id: other.id },
      {},
      { observations: [''] },
      { observations: ['x'.repeat(2001)] },
      { observations: Array.from({ length: 101 }, () => 'ok') },
      { observations: 'a string' },
      { meter_readings: [{ ...reading, colour: 'red' }] },
      { meter_readings: [{ ...reading, meter: '' }] },
      { meter_readings: [{ ...reading, meter: 'x'.repeat(101) }] },
      { meter_readings: [{ ...reading, unit: 'x'.repeat(21) }] },
      { meter_readings: [{ ...reading, value: '12' }] },
      { meter_readings: [{ ...reading, recorded_at: 'now' }] },
      { meter_readings: [{ meter: 'M1', value: 1, unit: 'kWh' }] },
      { meter_readings: Array.from({ length: 101 }, () => reading) },
      { photo_count: 1001 },
      { photo_count: -1 },
      { grace_minutes: 525601 },
      { priority: 'urgent' },
      { title: null },
      { site_id: null },
    ];
    for (const payload of updateCases) {
      const response = await call(t, acme.adminToken, {
        method: 'PATCH',
        url: `/api/v1/tasks/${task.id}`,
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    const unchanged = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/tasks/${task.id}`,
    });
    expect(unchanged.data).toMatchObject({ version: 1, status: 'ASSIGNED' });

    const limits = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/tasks/${task.id}`,
      payload: {
        observations: Array.from({ length: 100 }, () => 'x'.repeat(2000)),
        meter_readings: Array.from({ length: 100 }, () => reading),
        photo_count: 1000,
        grace_minutes: 525600,
        description: null,
      },
    });
    expect(limits.statusCode, limits.body).toBe(200);
  });

  it("refuses references to unknown or another tenant's site, person and template", async () => {
    const site = await freshSite();
    const theirSite = await freshSite(other);
    const task = await createTask(acme.adminToken, { site_id: site.id });
    const cases: [Body, string][] = [
      [{ site_id: randomUUID() }, '/site_id'],
      [{ site_id: theirSite.id }, '/site_id'],
      [{ assignee_id: randomUUID() }, '/assignee_id'],
      [{ assignee_id: other.adminId }, '/assignee_id'],
    ];
    for (const [payload, path] of cases) {
      for (const [method, url] of [
        ['POST', '/api/v1/tasks'],
        ['PATCH', `/api/v1/tasks/${task.id}`],
      ] as const) {
        const response = await call(t, acme.adminToken, {
          method,
          url,
          payload: method === 'POST' ? { title: 'x', site_id: site.id, ...payload } : payload,
        });
        expect(response.statusCode, `${method} ${JSON.stringify(payload)}`).toBe(400);
        expect(response.data.error).toMatchObject({
          code: 'VALIDATION_ERROR',
          details: { errors: [{ path }] },
        });
      }
    }
  });

  it('needs tasks.view to read, tasks.create/update/delete to write', async () => {
    const site = await freshSite();
    const task = await createTask(acme.adminToken, { site_id: site.id });
    const url = `/api/v1/tasks/${task.id}`;
    const nobody = await createPersonWith(t, acme, []);
    const viewer = await createPersonWith(t, acme, ['tasks.view']);
    const requests = [
      { token: nobody.token, method: 'GET', url: '/api/v1/tasks', needs: 'tasks.view' },
      { token: nobody.token, method: 'GET', url, needs: 'tasks.view' },
      {
        token: viewer.token,
        method: 'POST',
        url: '/api/v1/tasks',
        payload: { title: 'x', site_id: site.id },
        needs: 'tasks.create',
      },
      { token: viewer.token, method: 'PATCH', url, payload: { title: 'x' }, needs: 'tasks.update' },
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
  });

  it('needs tasks.assign as well to set an assignee on create or PATCH', async () => {
    const site = await freshSite();
    const worker = await createPersonWith(t, acme, []);
    const planner = await createPersonWith(t, acme, ['tasks.create', 'tasks.update']);
    const dispatcher = await createPersonWith(t, acme, [
      'tasks.create',
      'tasks.update',
      'tasks.assign',
    ]);

    const unassigned = await createTask(planner.token, { site_id: site.id, assignee_id: null });
    expect(unassigned.assignee_id).toBeNull();
    const deniedCreate = await call(t, planner.token, {
      method: 'POST',
      url: '/api/v1/tasks',
      payload: { title: 'x', site_id: site.id, assignee_id: worker.id },
    });
    expect(deniedCreate.statusCode).toBe(403);
    expect(deniedCreate.data.error).toMatchObject({
      code: 'PERMISSION_DENIED',
      details: { required_permission: 'tasks.assign' },
    });
    expect(idsOf(await list(`site_id=${site.id}`))).toEqual([unassigned.id]);

    const url = `/api/v1/tasks/${unassigned.id}`;
    const retitled = await call(t, planner.token, {
      method: 'PATCH',
      url,
      payload: { title: 'Retitled' },
    });
    expect(retitled.statusCode, retitled.body).toBe(200);
    const deniedPatch = await call(t, planner.token, {
      method: 'PATCH',
      url,
      payload: { title: 'Assigned', assignee_id: worker.id },
    });
    expect(deniedPatch.statusCode).toBe(403);
    expect(deniedPatch.data.error).toMatchObject({
      details: { required_permission: 'tasks.assign' },
    });

    const assigned = await call(t, dispatcher.token, {
      method: 'PATCH',
      url,
      payload: { assignee_id: worker.id },
    });
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect(assigned.data).toMatchObject({ assignee_id: worker.id, title: 'Retitled', version: 3 });
    const created = await createTask(dispatcher.token, {
      site_id: site.id,
      assignee_id: worker.id,
    });
    expect(created.assignee_id).toBe(worker.id);

    const audit = await auditOf(t, unassigned.id);
    expect(audit.map((entry) => entry.event_type)).toEqual(['CREATED', 'UPDATED', 'UPDATED']);
    expect(audit[2]!.changes).toEqual({ assignee_id: { old: null, new: worker.id } });
  });
});
