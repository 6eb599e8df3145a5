import { sql } from 'kysely';
import { withPlatformTxBypassingRls } from '../src/platform/db/transactions.js';
import { call, type Body, type TestApp } from './app.js';

/** Helpers for state-machine tests (SPEC §6). */

/** POST /<path>/{id}/transitions; `headers` for If-Match. */
export function transition(
  t: TestApp,
  token: string,
  path: string,
  id: string,
  payload: Body,
  headers: Record<string, string> = {},
) {
  return call(t, token, {
    method: 'POST',
    url: `/api/v1/${path}/${id}/transitions`,
    payload,
    headers,
  });
}

/**
 * Puts a record straight into `status`, past the engine and without an audit entry: setup for
 * tests that start a transition from a given state.
 */
export function forceStatus(t: TestApp, table: string, id: string, status: string) {
  return withPlatformTxBypassingRls(t.database.db, (tx) =>
    sql`update ${sql.table(table)} set status = ${status} where id = ${id}`.execute(tx),
  );
}

/** The STATE_CHANGED entries of a record with their transition detail, oldest first. */
export function stateChangesOf(t: TestApp, entityId: string) {
  return withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx
      .selectFrom('audit_entries as a')
      .innerJoin('audit_state_transitions as s', (join) =>
        join.onRef('s.tenant_id', '=', 'a.tenant_id').onRef('s.audit_id', '=', 'a.id'),
      )
      .select([
        'a.id',
        'a.actor_id',
        'a.correlation_id',
        'a.changes',
        'a.metadata',
        's.from_state',
        's.to_state',
        's.transition_reason',
        's.transition_duration_seconds',
      ])
      .where('a.entity_id', '=', entityId)
      .where('a.event_type', '=', 'STATE_CHANGED')
      .orderBy('a.created_at')
      .execute(),
  );
}

/** PERMISSION_DENIED entries by one actor, with their denial detail. */
export function denialsOf(t: TestApp, actorId: string) {
  return withPlatformTxBypassingRls(t.database.db, (tx) =>
    tx
      .selectFrom('audit_entries as a')
      .innerJoin('audit_permission_denials as d', (join) =>
        join.onRef('d.tenant_id', '=', 'a.tenant_id').onRef('d.audit_id', '=', 'a.id'),
      )
      .select(['a.id', 'd.required_permission', 'd.action_attempted', 'd.risk_level'])
      .where('a.actor_id', '=', actorId)
      .where('a.event_type', '=', 'PERMISSION_DENIED')
      .orderBy('a.created_at')
      .execute(),
  );
}
