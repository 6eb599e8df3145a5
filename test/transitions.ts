import { sql } from 'kysely';
import { expect } from 'vitest';
import { withPlatformTxBypassingRls } from '../src/platform/db/transactions.js';
import { call, type Body, type TestApp } from './app.js';
import { createPersonWith, type TestTenant } from './factories.js';

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
      .where('a.state_transition', 'is not', null)
      .select([
        'a.id',
        'a.actor_id',
        'a.correlation_id',
        'a.changes',
        'a.metadata',
        sql<string>`a.state_transition->>'from_state'`.as('from_state'),
        sql<string>`a.state_transition->>'to_state'`.as('to_state'),
        sql<string | null>`a.state_transition->>'transition_reason'`.as('transition_reason'),
        sql<number | null>`(a.state_transition->>'transition_duration_seconds')::float8`.as(
          'transition_duration_seconds',
        ),
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
      .where('a.permission_denial', 'is not', null)
      .select([
        'a.id',
        'a.entity_type',
        'a.entity_id',
        sql<string>`a.permission_denial->>'required_permission'`.as('required_permission'),
        sql<string>`a.permission_denial->>'action_attempted'`.as('action_attempted'),
        sql<string>`a.permission_denial->>'risk_level'`.as('risk_level'),
      ])
      .where('a.actor_id', '=', actorId)
      .where('a.event_type', '=', 'PERMISSION_DENIED')
      .orderBy('a.created_at')
      .execute(),
  );
}

/** The status and version of a record, past RLS. */
export async function statusRow(t: TestApp, table: string, id: string) {
  const { rows } = await withPlatformTxBypassingRls(t.database.db, (tx) =>
    sql<{
      status: string;
      version: number;
    }>`select status, version from ${sql.table(table)} where id = ${id}`.execute(tx),
  );
  if (rows.length !== 1) throw new Error(`no row ${id} in ${table}`);
  return rows[0]!;
}

/** The record is still in `status` at `version`, and has no STATE_CHANGED entry. */
export async function expectUntouched(
  t: TestApp,
  table: string,
  id: string,
  status: string,
  version: number,
) {
  expect(await statusRow(t, table, id)).toEqual({ status, version });
  expect(await stateChangesOf(t, id)).toEqual([]);
}

/** One ordered pair of states, and whether the SPEC table allows it. */
export interface PairCase {
  from: string;
  to: string;
  allowed: boolean;
  /** 200 when allowed, 409 when not. */
  expected: 200 | 409;
}

/**
 * Every ordered pair of `states` (from then to, in the order given), each marked allowed when
 * `allowedPairs` lists it. `allowedPairs` is the test's own copy of the SPEC table, as
 * `{ from, to }` rows or `'FROM>TO'` strings; a pair naming a state not in `states` throws, so a
 * typo in that copy cannot pass as a refused pair.
 */
export function orderedPairs(
  states: readonly string[],
  allowedPairs: Iterable<string | { from: string; to: string }>,
): PairCase[] {
  const allowed = new Set<string>();
  for (const pair of allowedPairs) {
    const key = typeof pair === 'string' ? pair : `${pair.from}>${pair.to}`;
    const [from, to, ...rest] = key.split('>');
    if (rest.length > 0 || !states.includes(from!) || !states.includes(to ?? '')) {
      throw new Error(`allowed pair ${key} is not a pair of ${states.join(', ')}`);
    }
    allowed.add(key);
  }
  return states.flatMap((from) =>
    states.map((to) => {
      const isAllowed = allowed.has(`${from}>${to}`);
      return { from, to, allowed: isAllowed, expected: isAllowed ? 200 : 409 } as const;
    }),
  );
}

type Response = Awaited<ReturnType<typeof transition>>;

/** A transition attempt on one record: its table, id, and the state and version it started at. */
export interface Attempt {
  table: string;
  id: string;
  from: string;
  to: string;
  version: number;
}

/**
 * The transition was applied: 200 with the record at `to` and the next version, the transition
 * and no warnings; that version as ETag and in the row; exactly one STATE_CHANGED entry, by
 * `actorId`, with the move, `reason` and the status change.
 */
export async function expectApplied(
  t: TestApp,
  response: Response,
  attempt: Attempt & { actorId: string; reason: string | null },
) {
  const { table, id, from, to, version, actorId, reason } = attempt;
  expect(response.statusCode, response.body).toBe(200);
  expect(response.data).toMatchObject({
    id,
    status: to,
    version: version + 1,
    transition: { from_state: from, to_state: to, at: expect.any(String) },
    warnings: [],
  });
  expect(response.headers.etag).toBe(`"${version + 1}"`);
  expect(await statusRow(t, table, id)).toEqual({ status: to, version: version + 1 });
  const changes = await stateChangesOf(t, id);
  expect(changes).toHaveLength(1);
  expect(changes[0]).toMatchObject({
    actor_id: actorId,
    from_state: from,
    to_state: to,
    transition_reason: reason,
    changes: { status: { old: from, new: to } },
  });
}

/** The pair is not in the machine: 409 INVALID_STATE_TRANSITION naming it, the record untouched. */
export async function expectRefused(t: TestApp, response: Response, attempt: Attempt) {
  const { table, id, from, to, version } = attempt;
  expect(response.statusCode, response.body).toBe(409);
  expect(response.data).toMatchObject({
    error: { code: 'INVALID_STATE_TRANSITION', details: { from_state: from, to_state: to } },
    status: 409,
  });
  await expectUntouched(t, table, id, from, version);
}

/** One ordered pair of the SPEC table test: expectApplied if `allowed`, expectRefused if not. */
export function expectPairOutcome(
  t: TestApp,
  response: Response,
  pair: Attempt & { allowed: boolean; actorId: string; reason: string | null },
) {
  return pair.allowed ? expectApplied(t, response, pair) : expectRefused(t, response, pair);
}

/**
 * The transition was refused for want of `permission`: 403 naming it, one PERMISSION_DENIED
 * entry for `actorId` (the first, so LOW risk) naming the record and the move, the record
 * untouched.
 */
export async function expectDenied(
  t: TestApp,
  response: Response,
  attempt: Attempt & { actorId: string; permission: string },
) {
  const { table, id, from, to, version, actorId, permission } = attempt;
  expect(response.statusCode, response.body).toBe(403);
  expect(response.data).toMatchObject({
    error: { code: 'PERMISSION_DENIED', details: { required_permission: permission } },
    status: 403,
  });
  const denials = await denialsOf(t, actorId);
  expect(denials).toEqual([
    {
      id: expect.any(String),
      entity_type: expect.any(String),
      entity_id: id,
      required_permission: permission,
      action_attempted: expect.stringContaining(id),
      risk_level: 'LOW',
    },
  ]);
  expect(denials[0]!.action_attempted).toContain(from);
  expect(denials[0]!.action_attempted).toContain(to);
  await expectUntouched(t, table, id, from, version);
}

/** 422 BUSINESS_RULE_VIOLATION naming `rule`. */
export function expectRule(
  response: { statusCode: number; body: string; data: Body },
  rule: string,
) {
  expect(response.statusCode, response.body).toBe(422);
  expect(response.data.error).toMatchObject({ code: 'BUSINESS_RULE_VIOLATION', details: { rule } });
}

/** Each of `rows` once with each kind of comments that count as none: missing, empty, blank. */
export function withBlankComments<T extends object>(rows: readonly T[]) {
  const blanks = [
    { case: 'missing', comments: undefined },
    { case: 'empty', comments: '' },
    { case: 'whitespace', comments: '  \n\t ' },
  ];
  return rows.flatMap((row) => blanks.map((blank) => ({ ...row, ...blank })));
}

/**
 * A record in a state with no way out: every target of `states` answers 409
 * INVALID_STATE_TRANSITION with no allowed target, the record stays as it was, and
 * GET /<path>/{id}/transitions offers nothing.
 */
export async function expectNoWayOut(
  t: TestApp,
  token: string,
  path: string,
  attempt: Omit<Attempt, 'to'> & { states: readonly string[]; payload: Body },
) {
  const { table, id, from, version, states, payload } = attempt;
  for (const to of states) {
    const response = await transition(t, token, path, id, { ...payload, target_state: to });
    expect(response.statusCode, `${from} -> ${to}: ${response.body}`).toBe(409);
    expect(response.data.error).toMatchObject({
      code: 'INVALID_STATE_TRANSITION',
      details: { from_state: from, to_state: to, allowed_targets: [] },
    });
  }
  await expectUntouched(t, table, id, from, version);
  const options = await call(t, token, { method: 'GET', url: `/api/v1/${path}/${id}/transitions` });
  expect(options.statusCode, options.body).toBe(200);
  expect(options.data).toEqual({ current_state: from, version, transitions: [] });
}

/**
 * `permission` alone gates a move of `record` from `from` to `to`: a person holding every other
 * one of `permissions` is refused (as in expectDenied), then one holding just `permission`
 * applies it.
 */
export async function expectGate(
  t: TestApp,
  tenant: TestTenant,
  gate: Omit<Attempt, 'id' | 'version'> & {
    path: string;
    record: { id: string; version: number };
    permission: string;
    permissions: readonly string[];
    payload: Body;
  },
) {
  const { path, table, record, from, to, permission, permissions, payload } = gate;
  const attempt = { table, id: record.id, from, to, version: record.version };
  const body = { ...payload, target_state: to };
  const lacking = await createPersonWith(
    t,
    tenant,
    permissions.filter((p) => p !== permission),
  );
  const denied = await transition(t, lacking.token, path, record.id, body);
  await expectDenied(t, denied, { ...attempt, actorId: lacking.id, permission });

  const holder = await createPersonWith(t, tenant, [permission]);
  const allowed = await transition(t, holder.token, path, record.id, body);
  expect(allowed.statusCode, allowed.body).toBe(200);
  expect(await statusRow(t, table, record.id)).toEqual({ status: to, version: record.version + 1 });
}
