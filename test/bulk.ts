import { sql } from 'kysely';
import { expect } from 'vitest';
import { withPlatformTxBypassingRls } from '../src/platform/db/transactions.js';
import type { BulkReport } from '../src/workflow/bulk/bulk-report.js';
import { denialsOf } from './transitions.js';
import type { TestPerson } from './factories.js';
import { call, type Body, type TestApp } from './app.js';

/** Helpers for bulk-operation tests (SPEC §8). */

/** POST /<path>/bulk/<name>. */
export function bulk(
  t: TestApp,
  token: string,
  path: string,
  name: string,
  payload: Body,
  headers: Record<string, string> = {},
) {
  return call(t, token, { method: 'POST', url: `/api/v1/${path}/bulk/${name}`, payload, headers });
}

/** The report of a bulk response, typed for assertions. */
export type Report = BulkReport;

/** Every audit entry of a tenant by event type, past row-level security. */
export async function auditCounts(t: TestApp, tenantId: string): Promise<Record<string, number>> {
  const { rows } = await withPlatformTxBypassingRls(t.database.db, (tx) =>
    sql<{ event_type: string; n: number }>`
      select event_type, count(*)::int as n from audit_entries where tenant_id = ${tenantId}
      group by event_type`.execute(tx),
  );
  return Object.fromEntries(rows.map((row) => [row.event_type, row.n]));
}

/** The entries one request wrote (its correlation id), with their bulk detail where any. */
export async function entriesOf(t: TestApp, correlationId: string) {
  const { rows } = await withPlatformTxBypassingRls(t.database.db, (tx) =>
    sql<{
      event_type: string;
      entity_type: string;
      entity_id: string | null;
      changes: Record<string, { old: unknown; new: unknown }> | null;
      metadata: Record<string, unknown>;
      operation_type: string | null;
      total_items: number | null;
      successful_items: number | null;
      failed_items: number | null;
      failure_details: Record<string, string> | null;
      execution_time_ms: number | null;
      was_rolled_back: boolean | null;
      from_state: string | null;
      to_state: string | null;
      transition_reason: string | null;
    }>`
      select a.event_type, a.entity_type, a.entity_id, a.changes, a.metadata,
        b->>'operation_type' as operation_type, (b->>'total_items')::int as total_items,
        (b->>'successful_items')::int as successful_items,
        (b->>'failed_items')::int as failed_items, b->'failure_details' as failure_details,
        (b->>'execution_time_ms')::int as execution_time_ms,
        (b->>'was_rolled_back')::boolean as was_rolled_back, s->>'from_state' as from_state,
        s->>'to_state' as to_state, s->>'transition_reason' as transition_reason
      from audit_entries a,
        lateral (select a.bulk_operation as b, a.state_transition as s) detail
      where a.correlation_id = ${correlationId}
      order by a.event_type, a.entity_id`.execute(tx),
  );
  return rows;
}

/** Status and version of each record, past row-level security, keyed by id. */
export async function statesOf(t: TestApp, table: string, ids: readonly string[]) {
  const { rows } = await withPlatformTxBypassingRls(t.database.db, (tx) =>
    sql<{ id: string; status: string; version: number }>`
      select id, status, version from ${sql.table(table)} where id = any(${ids}::uuid[])`.execute(
      tx,
    ),
  );
  return new Map(rows.map((row) => [row.id, { status: row.status, version: row.version }]));
}

type BulkResponse = Awaited<ReturnType<typeof bulk>>;

/** The report of a 200 bulk response. */
export function reportOf(response: BulkResponse): Report {
  expect(response.statusCode, response.body).toBe(200);
  return response.data as unknown as Report;
}

/**
 * Every one of `ids` was committed: the whole report of a request where nothing failed, its
 * correlation id the response's.
 */
export function expectAllCommitted(
  response: BulkResponse,
  expected: { operationType: string; ids: readonly string[]; warnings?: Report['warnings'] },
): Report {
  const report = reportOf(response);
  const { ids } = expected;
  expect(report).toEqual({
    operation_type: expected.operationType,
    total_items: ids.length,
    successful_items: ids.length,
    failed_items: 0,
    success_rate: 100,
    successful_ids: ids,
    failed_ids: [],
    failure_details: {},
    failure_codes: {},
    warnings: expected.warnings ?? [],
    was_rolled_back: false,
    rollback_reason: null,
    rolled_back_ids: [],
    dry_run: false,
    audit_correlation_id: response.headers['x-correlation-id'],
  });
  return report;
}

/**
 * The entries of a committed request: one BULK_OPERATION entry naming the operation and its
 * counts, and exactly one `eventType` entry per changed record, each matching `changed[id]`
 * (its `changes` and `metadata` exactly).
 */
export async function expectBulkAudit(
  t: TestApp,
  report: Report,
  expected: {
    entity: string;
    eventType: 'STATE_CHANGED' | 'UPDATED';
    changed: Record<string, Record<string, unknown>>;
    bulkMetadata?: Record<string, unknown>;
  },
) {
  const entries = await entriesOf(t, report.audit_correlation_id!);
  const ids = Object.keys(expected.changed).sort();
  expect(entries.map((entry) => [entry.event_type, entry.entity_id])).toEqual([
    ['BULK_OPERATION', null],
    ...ids.map((id) => [expected.eventType, id]),
  ]);
  const [summary, ...changes] = entries;
  expect(summary).toMatchObject({
    entity_type: expected.entity,
    operation_type: report.operation_type,
    total_items: report.total_items,
    successful_items: report.successful_items,
    failed_items: report.failed_items,
    was_rolled_back: report.was_rolled_back,
    // Each failure as the report gives it, after its code.
    failure_details: Object.fromEntries(
      report.failed_ids.map((id) => [
        id,
        `${report.failure_codes[id]}: ${report.failure_details[id]}`,
      ]),
    ),
  });
  if (expected.bulkMetadata) expect(summary!.metadata).toEqual(expected.bulkMetadata);
  for (const entry of changes) {
    // `changes` and `metadata`, where given, exactly: no other field changed or noted.
    const { changes: fields, metadata, ...rest } = expected.changed[entry.entity_id!]!;
    expect(entry, entry.entity_id!).toMatchObject({ entity_type: expected.entity, ...rest });
    if (fields !== undefined) expect(entry.changes, entry.entity_id!).toEqual(fields);
    if (metadata !== undefined) expect(entry.metadata, entry.entity_id!).toEqual(metadata);
  }
  return entries;
}

/** Each of `ids` failed with its code (and, where given, a message matching its detail). */
export function expectFailures(
  report: Report,
  failures: Record<string, string | [code: string, detail: RegExp]>,
) {
  const codes = Object.fromEntries(
    Object.entries(failures).map(([id, failure]) => [
      id,
      Array.isArray(failure) ? failure[0] : failure,
    ]),
  );
  expect(report.failure_codes).toEqual(codes);
  expect(Object.keys(report.failure_details).sort()).toEqual(Object.keys(codes).sort());
  expect([...report.failed_ids].sort()).toEqual(Object.keys(codes).sort());
  for (const [id, failure] of Object.entries(failures)) {
    if (Array.isArray(failure)) expect(report.failure_details[id]).toMatch(failure[1]);
  }
}

/** A 400 with `code`: the request as a whole was refused, it wrote no audit entry at all. */
export async function expectRefusedRequest(t: TestApp, response: BulkResponse, code: string) {
  expect(response.statusCode, response.body).toBe(400);
  expect(response.data.error).toMatchObject({ code });
  expect(await entriesOf(t, response.headers['x-correlation-id'] as string)).toEqual([]);
}

/** Whole rows of a table, past row-level security, keyed by id. */
export async function rowsOf(t: TestApp, table: string, ids: readonly string[]) {
  const { rows } = await withPlatformTxBypassingRls(t.database.db, (tx) =>
    sql<Record<string, unknown> & { id: string }>`
      select * from ${sql.table(table)} where id = any(${ids}::uuid[])`.execute(tx),
  );
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * Assertions the bulk tests of one entity share: `app` is read when called (the test file builds
 * it in `beforeAll`).
 */
export function bulkExpectations(app: () => TestApp, table: string, entityType: string) {
  return {
    /** Each record's status and version. */
    async expectStates(expected: Record<string, [status: string, version: number]>) {
      const states = await statesOf(app(), table, Object.keys(expected));
      for (const [id, [status, version]] of Object.entries(expected)) {
        expect(states.get(id), id).toEqual({ status, version });
      }
    },

    /** `ids` each failed PERMISSION_DENIED for `permission`, and one denial names them. */
    async expectDenied(
      response: BulkResponse,
      person: TestPerson,
      ids: string[],
      permission: string,
    ) {
      const report = reportOf(response);
      expectFailures(
        report,
        Object.fromEntries(
          ids.map((id) => [id, ['PERMISSION_DENIED', new RegExp(`requires ${permission}`)]]),
        ),
      );
      expect(report).toMatchObject({ successful_ids: [], was_rolled_back: true });
      expect((await denialsOf(app(), person.id)).at(-1)).toMatchObject({
        required_permission: permission,
        action_attempted: expect.stringContaining(`of ${ids.length} ${entityType} record(s)`),
      });
      const entries = await entriesOf(app(), report.audit_correlation_id!);
      expect(entries.map((entry) => entry.event_type)).toEqual([
        'BULK_OPERATION',
        'PERMISSION_DENIED',
      ]);
    },
  };
}
