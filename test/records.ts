import { expect } from 'vitest';
import { withPlatformTxBypassingRls } from '../src/platform/db/transactions.js';
import { call, type Body, type TestApp } from './app.js';

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
