import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { createRecord } from '../../../test/records.js';
import { stateChangesOf, transition } from '../../../test/transitions.js';
import { buildApp } from '../../app.js';
import { loadConfig } from '../../config.js';
import { REDACTED } from '../../platform/audit/redaction.js';
import { withPlatformTxBypassingRls } from '../../platform/db/transactions.js';
import { purgeExpiredAuditEntries } from '../audit/index.js';

/**
 * A tenant's own redaction keys and legal hold (SPEC §7), set by its admin through
 * PATCH /api/v1/tenant: audited like the other settings, in force from the next request on, in
 * every server process (a second app on the same database stands in for another one).
 */

let t: TestApp;
let other: FastifyInstance;
beforeAll(async () => {
  t = await buildTestApp();
  other = await buildApp({
    config: loadConfig({ LOG_LEVEL: 'silent' }),
    database: t.database,
    redis: null,
    platformAdminToken: t.platformAdminToken,
  });
  await other.ready();
});
afterAll(async () => {
  await other.close();
  await t.close();
});

const patchSettings = (token: string, payload: object) =>
  call(t, token, { method: 'PATCH', url: '/api/v1/tenant', payload });

describe('PATCH /api/v1/tenant: pii_keys and legal_hold', () => {
  it('sets both, shows them on the tenant and audits the change', async () => {
    const tenant = await createTenant(t);
    const response = await patchSettings(tenant.adminToken, {
      pii_keys: ['badge', 'Visitor-Plate'],
      legal_hold: true,
      version: 1,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.data).toMatchObject({
      pii_keys: ['badge', 'Visitor-Plate'],
      legal_hold: true,
      version: 2,
    });
    const me = await call(t, tenant.adminToken, { method: 'GET', url: '/api/v1/me' });
    expect(me.data.tenant).toMatchObject({
      pii_keys: ['badge', 'Visitor-Plate'],
      legal_hold: true,
    });
    const entries = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx
        .selectFrom('audit_entries')
        .select(['actor_id', 'changes'])
        .where('tenant_id', '=', tenant.id)
        .where('entity_type', '=', 'tenant')
        .where('event_type', '=', 'UPDATED')
        .execute(),
    );
    expect(entries).toEqual([
      {
        actor_id: tenant.adminId,
        changes: {
          pii_keys: { old: [], new: ['badge', 'Visitor-Plate'] },
          legal_hold: { old: false, new: true },
        },
      },
    ]);
  });

  it.each([
    { what: 'a key of one character', pii_keys: ['x'] },
    { what: 'a key with a space', pii_keys: ['badge no'] },
    { what: 'a key of dashes only', pii_keys: ['--'] },
    { what: 'a key of 65 characters', pii_keys: ['k'.repeat(65)] },
    { what: 'a repeated key', pii_keys: ['badge', 'badge'] },
    { what: '51 keys', pii_keys: Array.from({ length: 51 }, (_, i) => `key${i}`) },
    { what: 'a key that is not text', pii_keys: [42] },
  ])('refuses $what with 400', async ({ pii_keys }) => {
    const tenant = await createTenant(t);
    const response = await patchSettings(tenant.adminToken, { pii_keys });
    expect(response.statusCode, response.body).toBe(400);
    expect((response.data.error as { code: string }).code).toBe('VALIDATION_ERROR');
  });

  it('takes 50 keys, an empty list and a non-boolean hold is refused', async () => {
    const tenant = await createTenant(t);
    const fifty = Array.from({ length: 50 }, (_, i) => `key_${i}`);
    expect((await patchSettings(tenant.adminToken, { pii_keys: fifty })).statusCode).toBe(200);
    expect((await patchSettings(tenant.adminToken, { pii_keys: [] })).statusCode).toBe(200);
    expect((await patchSettings(tenant.adminToken, { legal_hold: 'yes' })).statusCode).toBe(400);
  });

  it('is for the tenant admin only', async () => {
    const tenant = await createTenant(t);
    const clerk = await createPersonWith(t, tenant, ['tickets.view', 'audit.view']);
    const response = await patchSettings(clerk.token, { pii_keys: ['badge'], legal_hold: true });
    expect(response.statusCode).toBe(403);
    const me = await call(t, tenant.adminToken, { method: 'GET', url: '/api/v1/me' });
    expect(me.data.tenant).toMatchObject({ pii_keys: [], legal_hold: false });
  });
});

describe('new pii_keys', () => {
  let tenant: TestTenant;
  beforeAll(async () => {
    tenant = await createTenant(t);
  });

  const moveTicket = async (app: FastifyInstance | TestApp, target: string, id: string) => {
    const payload = { target_state: target, metadata: { badge_number: 'B-1234', gate: 'north' } };
    const response =
      'app' in app
        ? await transition(app, tenant.adminToken, 'tickets', id, payload)
        : await app.inject({
            method: 'POST',
            url: `/api/v1/tickets/${id}/transitions`,
            headers: { authorization: `Bearer ${tenant.adminToken}` },
            payload,
          });
    expect(response.statusCode, response.body).toBe(200);
  };
  const requestMetadata = async (ticketId: string) =>
    (await stateChangesOf(t, ticketId)).map(
      (entry) => (entry.metadata as { request?: unknown }).request,
    );

  it('redact the entries of the next requests, in every process, and leave earlier ones', async () => {
    const ticket = await createRecord(t, tenant.adminToken, 'tickets', { title: 'Badge reader' });
    // Both processes have resolved the admin's token (with its settings) before the change.
    await moveTicket(t, 'OPEN', ticket.id);
    await moveTicket(other, 'INPROGRESS', ticket.id);

    const set = await patchSettings(tenant.adminToken, { pii_keys: ['badge'] });
    expect(set.statusCode, set.body).toBe(200);
    // The other process hears of the change through the database's notification.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await moveTicket(t, 'ONHOLD', ticket.id);
    await moveTicket(other, 'OPEN', ticket.id);

    expect(await requestMetadata(ticket.id)).toEqual([
      { badge_number: 'B-1234', gate: 'north' },
      { badge_number: 'B-1234', gate: 'north' },
      { badge_number: REDACTED, gate: 'north' },
      { badge_number: REDACTED, gate: 'north' },
    ]);
  });
});

describe('legal_hold set through the API', () => {
  it('keeps the expired entries of the tenant from the purge until it is lifted', async () => {
    const tenant = await createTenant(t);
    expect((await patchSettings(tenant.adminToken, { legal_hold: true })).statusCode).toBe(200);
    const id = randomUUID();
    await withPlatformTxBypassingRls(t.database.db, (tx) =>
      sql`insert into audit_entries
        (tenant_id, id, correlation_id, event_type, entity_type, created_at, retention_until)
        values (${tenant.id}, ${id}, ${randomUUID()}, 'CREATED', 'site',
          now() - interval '100 days', now() - interval '10 days')`.execute(tx),
    );
    const exists = async () =>
      (
        await withPlatformTxBypassingRls(t.database.db, (tx) =>
          tx.selectFrom('audit_entries').select('id').where('id', '=', id).execute(),
        )
      ).length === 1;
    await purgeExpiredAuditEntries(t.database.db);
    expect(await exists()).toBe(true);
    expect((await patchSettings(tenant.adminToken, { legal_hold: false })).statusCode).toBe(200);
    await purgeExpiredAuditEntries(t.database.db);
    expect(await exists()).toBe(false);
  });
});
