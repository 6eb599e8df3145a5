import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../../../test/app.js';
import { createTenant, type TestTenant } from '../../../test/factories.js';
import { createRecord, createSite } from '../../../test/records.js';

/** Input the schemas let through but PostgreSQL or a rule refuses: always a 400, never a 500. */

let t: TestApp;
let acme: TestTenant;
let siteId: string;

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
  siteId = (await createSite(t, acme.adminToken)).id;
});
afterAll(() => t.close());

const send = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, headers = {}) =>
  call(t, acme.adminToken, {
    method,
    url: `/api/v1/${url}`,
    headers,
    ...(payload ? { payload } : {}),
  });

function expectValidationError(response: Awaited<ReturnType<typeof send>>, what: string) {
  expect(response.statusCode, `${what}: ${response.body}`).toBe(400);
  expect(response.data.error, what).toMatchObject({ code: 'VALIDATION_ERROR' });
}

const workOrder = (fields: object = {}) =>
  createRecord(t, acme.adminToken, 'work-orders', { title: 'Pump', site_id: siteId, ...fields });

describe('input only the database can judge', () => {
  it('answers dates and offsets out of range with 400', async () => {
    const cases: [string, Promise<Awaited<ReturnType<typeof send>>>][] = [
      [
        'year 0',
        send('POST', 'work-orders', {
          title: 'x',
          site_id: siteId,
          due_at: '0000-01-01T00:00:00Z',
        }),
      ],
      ['year 0 filter', send('GET', 'work-orders?due_from=0000-01-01T00:00:00Z')],
      [
        'offset +20:00',
        send('POST', 'tickets', { title: 'x', due_at: '2026-01-01T00:00:00+20:00' }),
      ],
      ['offset filter', send('GET', 'tickets?due_from=2026-01-01T00:00:00%2B20:00')],
      ['work date year 0', send('GET', 'attendance?work_date_from=0000-01-01')],
    ];
    for (const [what, response] of cases) expectValidationError(await response, what);
  });

  it('answers a version beyond any record with 400', async () => {
    const wo = await workOrder();
    expectValidationError(
      await send('PATCH', `work-orders/${wo.id}`, { title: 'y', version: 99_999_999_999 }),
      'huge version',
    );
  });

  it('refuses a due time before the planned one, even when only one of them changes', async () => {
    const wo = await workOrder({
      planned_at: '2026-12-10T08:00:00Z',
      due_at: '2026-12-12T08:00:00Z',
    });
    const response = await send('PATCH', `work-orders/${wo.id}`, {
      due_at: '2026-12-01T08:00:00Z',
    });
    expectValidationError(response, 'due before planned');
    expect(response.data.error).toMatchObject({ details: { errors: [{ path: '/due_at' }] } });
  });
});

describe('If-Match', () => {
  it('takes * as "whatever version is current"', async () => {
    const wo = await workOrder();
    const response = await send(
      'PATCH',
      `work-orders/${wo.id}`,
      { title: 'Any' },
      { 'if-match': '*' },
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.data.version).toBe(2);
  });

  it('refuses a header and a body version that disagree, and an unbalanced quote', async () => {
    const wo = await workOrder();
    expectValidationError(
      await send(
        'PATCH',
        `work-orders/${wo.id}`,
        { title: 'x', version: 2 },
        { 'if-match': '"1"' },
      ),
      'disagreeing versions',
    );
    expectValidationError(
      await send('PATCH', `work-orders/${wo.id}`, { title: 'x' }, { 'if-match': '1"' }),
      'unbalanced quote',
    );
    const agreeing = await send(
      'PATCH',
      `work-orders/${wo.id}`,
      { title: 'x', version: 1 },
      { 'if-match': '"1"' },
    );
    expect(agreeing.statusCode).toBe(200);
  });
});

describe('cursors', () => {
  it('belong to their page size', async () => {
    for (let i = 0; i < 3; i++) await workOrder();
    const first = await send('GET', 'work-orders?page_size=2');
    const cursor = (first.data.pagination as { next_cursor: string }).next_cursor;
    expectValidationError(
      await send('GET', `work-orders?page_size=5&cursor=${cursor}`),
      'page size',
    );
    expect((await send('GET', `work-orders?page_size=2&cursor=${cursor}`)).statusCode).toBe(200);
  });
});
