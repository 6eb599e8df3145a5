import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPlatformTxBypassingRls } from '../src/platform/db/transactions.js';
import { buildTestApp, call, type TestApp } from './app.js';
import { createTenant, type TestTenant } from './factories.js';
import { createRecord, createSite } from './records.js';
import { transition } from './transitions.js';

/**
 * SPEC §11: an audit entry that cannot be written fails its request (500, the change rolled back
 * in the same transaction) and is counted in /metrics. A trigger made for the test refuses the
 * entries of one tenant, so test files running beside it on PostgreSQL are not touched.
 */

let t: TestApp;
let tenant: TestTenant;
const trigger = `refuse_audit_${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  t = await buildTestApp();
  tenant = await createTenant(t);
});
afterAll(async () => {
  await refuseAuditEntries(false);
  await t.close();
});

async function refuseAuditEntries(on: boolean): Promise<void> {
  await withPlatformTxBypassingRls(t.database.db, async (tx) => {
    if (!on) {
      await sql`drop trigger if exists ${sql.id(trigger)} on audit_entries`.execute(tx);
      await sql`drop function if exists ${sql.id(trigger)}()`.execute(tx);
      return;
    }
    await sql`create function ${sql.id(trigger)}() returns trigger language plpgsql as ${sql.lit(`
      begin
        if new.tenant_id = '${tenant.id}' then
          raise exception 'audit entries of this tenant are refused (test)';
        end if;
        return new;
      end`)}`.execute(tx);
    await sql`create trigger ${sql.id(trigger)} before insert on audit_entries
      for each row execute function ${sql.id(trigger)}()`.execute(tx);
  });
}

async function failures(): Promise<number> {
  const metrics = await call(t, null, { method: 'GET', url: '/metrics' });
  const line = metrics.body
    .split('\n')
    .find((l) => l.startsWith('facilityflow_audit_write_failures_total '));
  return Number(line?.split(' ')[1] ?? NaN);
}

describe('an audit write that fails', () => {
  it('fails the request, leaves the change undone and is counted', async () => {
    const site = await createSite(t, tenant.adminToken, { name: 'Before' });
    const ticket = await createRecord(t, tenant.adminToken, 'tickets', { title: 'Leaking tap' });
    expect(await failures()).toBe(0);
    await refuseAuditEntries(true);

    // recordAudit: a record update.
    const update = await call(t, tenant.adminToken, {
      method: 'PATCH',
      url: `/api/v1/sites/${site.id}`,
      payload: { name: 'After', version: site.version },
    });
    expect(update.statusCode).toBe(500);
    expect(update.data.error).toEqual({
      code: 'INTERNAL_ERROR',
      message: 'An unexpected error occurred',
    });
    // The transition statement that embeds the entry's inserts.
    const moved = await transition(t, tenant.adminToken, 'tickets', ticket.id, {
      target_state: 'OPEN',
    });
    expect(moved.statusCode).toBe(500);
    expect(JSON.stringify(moved.data)).not.toContain('refused');
    expect(await failures()).toBe(2);

    await refuseAuditEntries(false);
    const siteNow = await call(t, tenant.adminToken, {
      method: 'GET',
      url: `/api/v1/sites/${site.id}`,
    });
    expect(siteNow.data).toMatchObject({ name: 'Before', version: site.version });
    const ticketNow = await call(t, tenant.adminToken, {
      method: 'GET',
      url: `/api/v1/tickets/${ticket.id}`,
    });
    expect(ticketNow.data).toMatchObject({ status: 'NEW', version: ticket.version });

    // Writable again: the same transition goes through and nothing more is counted.
    const retried = await transition(t, tenant.adminToken, 'tickets', ticket.id, {
      target_state: 'OPEN',
    });
    expect(retried.statusCode, retried.body).toBe(200);
    expect(await failures()).toBe(2);
  });

  it('is not counted for a request refused on its own account', async () => {
    const site = await createSite(t, tenant.adminToken);
    const stale = await call(t, tenant.adminToken, {
      method: 'PATCH',
      url: `/api/v1/sites/${site.id}`,
      payload: { name: 'Stale', version: site.version + 5 },
    });
    expect(stale.statusCode).toBe(409);
    expect(await failures()).toBe(2);
  });

  it('is not counted, and answers 400, for input the audit insert refuses as data', async () => {
    // A lone surrogate is stored in the record, but the audit entry's JSON refuses it.
    const created = await call(t, tenant.adminToken, {
      method: 'POST',
      url: '/api/v1/sites',
      headers: { 'content-type': 'application/json' },
      payload: '{"code": "SUR-1", "name": "Bad \\ud800 name", "timezone": "UTC"}',
    });
    expect(created.statusCode, created.body).toBe(400);
    expect(await failures()).toBe(2);
  });
});
