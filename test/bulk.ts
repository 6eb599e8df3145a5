import { sql } from 'kysely';
import { withPlatformTxBypassingRls } from '../src/platform/db/transactions.js';
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
export interface Report {
  operation_type: string;
  total_items: number;
  successful_items: number;
  failed_items: number;
  success_rate: number;
  successful_ids: string[];
  failed_ids: string[];
  failure_details: Record<string, string>;
  failure_codes: Record<string, string>;
  warnings: { id: string; code: string; message: string }[];
  was_rolled_back: boolean;
  rollback_reason: string | null;
  rolled_back_ids: string[];
  dry_run: boolean;
  audit_correlation_id: string | null;
}

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
        b.operation_type, b.total_items, b.successful_items, b.failed_items, b.failure_details,
        b.execution_time_ms, b.was_rolled_back, s.from_state, s.to_state, s.transition_reason
      from audit_entries a
      left join audit_bulk_operations b on b.tenant_id = a.tenant_id and b.audit_id = a.id
      left join audit_state_transitions s on s.tenant_id = a.tenant_id and s.audit_id = a.id
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
