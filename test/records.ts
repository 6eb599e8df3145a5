import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { withPlatformTxBypassingRls } from '../src/platform/db/transactions.js';
import { call, type Body, type TestApp } from './app.js';
import type { TestTenant } from './factories.js';

/** Helpers for the record paths of SPEC §4 in tests. */

/** POST a record and expect 201; returns its body. */
export async function createRecord(
  t: TestApp,
  token: string,
  path: string,
  payload: Body,
): Promise<Body & { id: string; version: number }> {
  const response = await call(t, token, { method: 'POST', url: `/api/v1/${path}`, payload });
  expect(response.statusCode, response.body).toBe(201);
  return response.data as Body & { id: string; version: number };
}

/** The ids of a list response's records, in order. */
export function idsOf(response: { data: Body }): string[] {
  return (response.data.data as { id: string }[]).map((record) => record.id);
}

/** Every audit entry of a record, oldest first, read past row-level security. */
export function auditOf(t: TestApp, entityId: string) {
  return withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx
      .selectFrom('audit_entries')
      .selectAll()
      .where('entity_id', '=', entityId)
      .orderBy('created_at')
      .orderBy('event_type')
      .execute(),
  );
}

/** A site for records to refer to. */
export function createSite(t: TestApp, token: string, payload: Body = {}) {
  return createRecord(t, token, 'sites', {
    code: `S-${Math.random().toString(36).slice(2, 8)}`,
    name: 'Riverside Plant',
    timezone: 'Europe/London',
    ...payload,
  });
}

/** A record path of SPEC §4 with a valid creation body and a valid change. */
export interface RecordSample {
  path: string;
  /** A valid creation body in `tenant` (creating what it refers to first). */
  body(t: TestApp, tenant: TestTenant): Promise<Body>;
  /** A valid change. */
  change: Body;
}

const unique = () => randomUUID().slice(0, 8);
const withSite = async (t: TestApp, tenant: TestTenant, body: Body) => ({
  ...body,
  site_id: (await createSite(t, tenant.adminToken)).id,
});

/** Every record path of SPEC §4, for tests that treat them all alike. */
export const RECORD_SAMPLES: readonly RecordSample[] = [
  {
    path: 'sites',
    body: async () => ({ code: `S-${unique()}`, name: 'Depot' }),
    change: { name: 'North depot' },
  },
  {
    path: 'vendors',
    body: async () => ({ code: `V-${unique()}`, name: 'Acme HVAC' }),
    change: { name: 'Acme Cooling' },
  },
  {
    path: 'assets',
    body: (t, tenant) => withSite(t, tenant, { code: `A-${unique()}`, name: 'Chiller' }),
    change: { name: 'Chiller 2' },
  },
  {
    path: 'work-orders',
    body: (t, tenant) => withSite(t, tenant, { title: 'Replace belt' }),
    change: { title: 'Replace both belts' },
  },
  {
    path: 'task-templates',
    body: async () => ({ name: 'Boiler round' }),
    change: { name: 'Boiler round (night)' },
  },
  {
    path: 'tasks',
    body: (t, tenant) => withSite(t, tenant, { title: 'Read meters' }),
    change: { title: 'Read all meters' },
  },
  {
    path: 'attendance',
    body: (t, tenant) =>
      withSite(t, tenant, { person_id: tenant.adminId, work_date: '2026-11-02' }),
    change: { remarks: 'Left early' },
  },
  {
    path: 'tickets',
    body: async () => ({ title: 'Door sticks' }),
    change: { title: 'Door sticks shut' },
  },
  {
    path: 'people',
    body: async () => ({ login: `p-${unique()}`, name: 'Pat Doe' }),
    change: { name: 'Pat Smith' },
  },
];
