import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApp, onPostgres, type TestApp } from './app.js';
import { auditCounts, bulk, entriesOf, statesOf, type Report } from './bulk.js';
import {
  createPersonWith,
  createStrictTenant,
  createTenant,
  type TestTenant,
} from './factories.js';
import { withPlatformTxBypassingRls } from '../src/platform/db/transactions.js';
import { createRecord, createSite } from './records.js';
import { denialsOf, forceStatus } from './transitions.js';

/**
 * The bulk engine (SPEC §8) through the work-order endpoints: modes, per-record checks, audit,
 * idempotency and the rate limit. Each endpoint's own cases sit beside its module.
 */

let t: TestApp;
let tenant: TestTenant;
let siteId: string;
let vendorId: string;

beforeAll(async () => {
  t = await buildTestApp();
  tenant = await createTenant(t);
  siteId = (await createSite(t, tenant.adminToken)).id;
  vendorId = (
    await createRecord(t, tenant.adminToken, 'vendors', { code: 'V-1', name: 'CoolAir Ltd' })
  ).id;
});
afterAll(() => t.close());

/** `count` work orders in `status`, with a vendor unless told otherwise. */
async function workOrders(count: number, status = 'DRAFT', vendor = true): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const record = await createRecord(t, tenant.adminToken, 'work-orders', {
      title: `Replace filter ${i}`,
      site_id: siteId,
      ...(vendor ? { vendor_id: vendorId } : {}),
    });
    if (status !== 'DRAFT') await forceStatus(t, 'work_orders', record.id, status);
    ids.push(record.id);
  }
  return ids;
}

const approve = (payload: Record<string, unknown>, headers?: Record<string, string>) =>
  bulk(t, tenant.adminToken, 'work-orders', 'approve', payload, headers);

describe('modes', () => {
  it('applies every record, each with its STATE_CHANGED entry and one BULK_OPERATION entry', async () => {
    const ids = await workOrders(3);
    const response = await bulk(t, tenant.adminToken, 'work-orders', 'transition', {
      ids,
      target_state: 'SUBMITTED',
      comments: 'Ready for review',
    });
    expect(response.statusCode, response.body).toBe(200);
    const report = response.data as unknown as Report;
    expect(report).toMatchObject({
      operation_type: 'work_order.transition',
      total_items: 3,
      successful_items: 3,
      failed_items: 0,
      success_rate: 100,
      failed_ids: [],
      failure_details: {},
      failure_codes: {},
      was_rolled_back: false,
      rollback_reason: null,
      rolled_back_ids: [],
      dry_run: false,
      audit_correlation_id: response.headers['x-correlation-id'],
    });
    expect(report.successful_ids).toEqual(ids);
    const states = await statesOf(t, 'work_orders', ids);
    for (const id of ids) expect(states.get(id)).toEqual({ status: 'SUBMITTED', version: 2 });

    const entries = await entriesOf(t, report.audit_correlation_id!);
    expect(entries.map((entry) => entry.event_type)).toEqual([
      'BULK_OPERATION',
      'STATE_CHANGED',
      'STATE_CHANGED',
      'STATE_CHANGED',
    ]);
    const [summary, ...changes] = entries;
    expect(summary).toMatchObject({
      entity_type: 'work_order',
      entity_id: null,
      operation_type: 'work_order.transition',
      total_items: 3,
      successful_items: 3,
      failed_items: 0,
      failure_details: {},
      was_rolled_back: false,
    });
    expect(summary!.execution_time_ms).toBeGreaterThanOrEqual(0);
    expect(changes.map((entry) => entry.entity_id).sort()).toEqual([...ids].sort());
    for (const entry of changes) {
      expect(entry).toMatchObject({
        entity_type: 'work_order',
        from_state: 'DRAFT',
        to_state: 'SUBMITTED',
        transition_reason: 'Ready for review',
        changes: { status: { old: 'DRAFT', new: 'SUBMITTED' } },
        metadata: { version: 2 },
      });
    }
  });

  it('all-or-nothing: one failing record leaves every record as it was', async () => {
    const passing = await workOrders(2, 'SUBMITTED');
    const [failing] = await workOrders(1, 'SUBMITTED', false);
    const ids = [passing[0]!, failing!, passing[1]!];
    const before = await auditCounts(t, tenant.id);
    const response = await approve({ ids });
    expect(response.statusCode, response.body).toBe(200);
    const report = response.data as unknown as Report;
    expect(report).toMatchObject({
      total_items: 3,
      successful_items: 0,
      failed_items: 1,
      success_rate: 0,
      successful_ids: [],
      failed_ids: [failing],
      failure_codes: { [failing!]: 'BUSINESS_RULE_VIOLATION' },
      was_rolled_back: true,
      rolled_back_ids: passing,
    });
    expect(report.failure_details[failing!]).toContain('VENDOR_REQUIRED');
    expect(report.rollback_reason).toMatch(/1 of 3/);
    const states = await statesOf(t, 'work_orders', ids);
    for (const id of ids) expect(states.get(id)).toEqual({ status: 'SUBMITTED', version: 1 });
    // Only the BULK_OPERATION entry: the attempt, rolled back.
    const entries = await entriesOf(t, report.audit_correlation_id!);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      event_type: 'BULK_OPERATION',
      successful_items: 0,
      failed_items: 1,
      was_rolled_back: true,
    });
    expect(entries[0]!.failure_details![failing!]).toMatch(/^BUSINESS_RULE_VIOLATION: /);
    const after = await auditCounts(t, tenant.id);
    expect(after.BULK_OPERATION).toBe((before.BULK_OPERATION ?? 0) + 1);
    expect(after.STATE_CHANGED).toBe(before.STATE_CHANGED);
  });

  it('partial success commits the records that pass and reports the rest', async () => {
    const passing = await workOrders(2, 'SUBMITTED');
    const [failing] = await workOrders(1, 'SUBMITTED', false);
    const ids = [failing!, ...passing];
    const response = await approve({ ids, rollback_on_error: false });
    expect(response.statusCode, response.body).toBe(200);
    const report = response.data as unknown as Report;
    expect(report).toMatchObject({
      total_items: 3,
      successful_items: 2,
      failed_items: 1,
      success_rate: 66.67,
      successful_ids: passing,
      failed_ids: [failing],
      was_rolled_back: false,
      rolled_back_ids: [],
    });
    const states = await statesOf(t, 'work_orders', ids);
    expect(states.get(failing!)).toEqual({ status: 'SUBMITTED', version: 1 });
    for (const id of passing) expect(states.get(id)).toEqual({ status: 'APPROVED', version: 2 });
    const entries = await entriesOf(t, report.audit_correlation_id!);
    expect(entries.map((entry) => [entry.event_type, entry.entity_id])).toEqual([
      ['BULK_OPERATION', null],
      ...[...passing].sort().map((id) => ['STATE_CHANGED', id]),
    ]);
  });

  it('a dry run reports what would happen and writes nothing at all', async () => {
    const passing = await workOrders(2, 'SUBMITTED');
    const [failing] = await workOrders(1, 'SUBMITTED', false);
    const before = await auditCounts(t, tenant.id);
    const partial = await approve({
      ids: [...passing, failing],
      dry_run: true,
      rollback_on_error: false,
    });
    expect(partial.statusCode, partial.body).toBe(200);
    expect(partial.data).toMatchObject({
      dry_run: true,
      audit_correlation_id: null,
      successful_ids: passing,
      failed_ids: [failing],
      was_rolled_back: false,
    });
    const strict = await approve({ ids: [...passing, failing], dry_run: true });
    expect(strict.data).toMatchObject({
      dry_run: true,
      successful_ids: [],
      was_rolled_back: true,
      rolled_back_ids: passing,
    });
    const states = await statesOf(t, 'work_orders', [...passing, failing!]);
    for (const state of states.values()) expect(state).toEqual({ status: 'SUBMITTED', version: 1 });
    expect(await auditCounts(t, tenant.id)).toEqual(before);
  });
});

describe('set-based', () => {
  /** Statements sent to the database while `work` runs (both backends go through pg.Client). */
  async function statementsDuring(work: () => Promise<unknown>): Promise<number> {
    const spy = vi.spyOn(pg.Client.prototype, 'query');
    try {
      await work();
      return spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
  }

  it('sends as many statements for 40 records as for 2', async () => {
    const few = await workOrders(2);
    const many = await workOrders(40);
    const submit = (ids: string[]) => async () => {
      const response = await bulk(t, tenant.adminToken, 'work-orders', 'transition', {
        ids,
        target_state: 'SUBMITTED',
      });
      expect(response.data.successful_items).toBe(ids.length);
    };
    await submit([(await workOrders(1))[0]!])(); // warms the token cache
    const forFew = await statementsDuring(submit(few));
    const forMany = await statementsDuring(submit(many));
    expect(forMany).toBe(forFew);
    expect(forMany).toBeLessThanOrEqual(10);
  });

  it('counts requests and records in /metrics', async () => {
    await approve({ ids: [randomUUID()] });
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(
      /facilityflow_bulk_requests_total\{operation="work_order.approve",outcome="rolled_back"\} [1-9]/,
    );
    expect(metrics.body).toMatch(
      /facilityflow_bulk_items_total\{operation="work_order.approve",result="failed"\} [1-9]/,
    );
  });
});

describe('request rules', () => {
  it.each([
    ['no ids', [], 'EMPTY_IDS'],
    ['1,001 ids', Array.from({ length: 1001 }, () => randomUUID()), 'TOO_MANY_IDS'],
    [
      'a repeated id',
      ['6f1c1d4e-0000-4000-8000-000000000001', '6F1C1D4E-0000-4000-8000-000000000001'],
      'DUPLICATE_IDS',
    ],
  ])('%s is 400 %s', async (_case, ids, code) => {
    const response = await approve({ ids });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.data.error).toMatchObject({ code });
  });

  it.each([
    ['an id that is not a uuid', { ids: ['WO-000001'] }],
    ['an unknown field', { ids: [randomUUID()], force: true }],
    ['a target_state on a fixed endpoint', { ids: [randomUUID()], target_state: 'CLOSED' }],
    ['versions for an id not in ids', { ids: [randomUUID()], versions: { [randomUUID()]: 1 } }],
    ['a version that is not a number', { ids: [randomUUID()], versions: { x: 'one' } }],
    [
      'versions naming one id twice',
      {
        ids: ['6f1c1d4e-0000-4000-8000-00000000000a'],
        versions: {
          '6f1c1d4e-0000-4000-8000-00000000000a': 1,
          '6F1C1D4E-0000-4000-8000-00000000000A': 7,
        },
      },
    ],
    ['dry_run that is not a boolean', { ids: [randomUUID()], dry_run: 'yes' }],
  ])('%s is 400 VALIDATION_ERROR', async (_case, payload) => {
    const response = await approve(payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('accepts 1,000 ids, each reported', async () => {
    const ids = Array.from({ length: 1000 }, () => randomUUID());
    const response = await approve({ ids, dry_run: true, rollback_on_error: false });
    expect(response.statusCode, response.body).toBe(200);
    const report = response.data as unknown as Report;
    expect(report.failed_items).toBe(1000);
    expect(new Set(Object.values(report.failure_codes))).toEqual(new Set(['ENTITY_NOT_FOUND']));
  });
});

describe('each record gets the checks a single request would', () => {
  it("another tenant's record is not found and stays as it was", async () => {
    const other = await createTenant(t, 'Other Facilities');
    const otherSite = await createSite(t, other.adminToken);
    const theirs = await createRecord(t, other.adminToken, 'work-orders', {
      title: 'Their work order',
      site_id: otherSite.id,
    });
    const [mine] = await workOrders(1);
    const response = await bulk(t, tenant.adminToken, 'work-orders', 'transition', {
      ids: [mine, theirs.id],
      target_state: 'SUBMITTED',
      rollback_on_error: false,
    });
    expect(response.data).toMatchObject({
      successful_ids: [mine],
      failed_ids: [theirs.id],
      failure_codes: { [theirs.id]: 'ENTITY_NOT_FOUND' },
      failure_details: { [theirs.id]: 'Work order not found' },
    });
    expect((await statesOf(t, 'work_orders', [theirs.id])).get(theirs.id)).toEqual({
      status: 'DRAFT',
      version: 1,
    });
  });

  it('a stale version fails that record with CONCURRENCY_ERROR', async () => {
    const [fresh, stale] = await workOrders(2, 'SUBMITTED');
    const response = await approve({
      ids: [fresh, stale],
      versions: { [fresh!]: 1, [stale!]: 7 },
      rollback_on_error: false,
    });
    expect(response.data).toMatchObject({
      successful_ids: [fresh],
      failure_codes: { [stale!]: 'CONCURRENCY_ERROR' },
    });
    expect((response.data as unknown as Report).failure_details[stale!]).toMatch(
      /current version 1, yours 7/,
    );
    const states = await statesOf(t, 'work_orders', [fresh!, stale!]);
    expect(states.get(stale!)).toEqual({ status: 'SUBMITTED', version: 1 });
    expect(states.get(fresh!)).toEqual({ status: 'APPROVED', version: 2 });
  });

  it('a tenant that requires versions gets PRECONDITION_REQUIRED for a record named without one', async () => {
    const strict = await createStrictTenant(t);
    const strictSite = await createSite(t, strict.adminToken);
    const [named, unnamed] = await Promise.all(
      ['Named', 'Unnamed'].map((title) =>
        createRecord(t, strict.adminToken, 'work-orders', { title, site_id: strictSite.id }),
      ),
    );
    const response = await bulk(t, strict.adminToken, 'work-orders', 'transition', {
      ids: [named!.id, unnamed!.id],
      target_state: 'SUBMITTED',
      versions: { [named!.id]: 1 },
      rollback_on_error: false,
    });
    expect(response.data).toMatchObject({
      successful_ids: [named!.id],
      failure_codes: { [unnamed!.id]: 'PRECONDITION_REQUIRED' },
    });
  });

  it('a move the table does not list is INVALID_STATE_TRANSITION', async () => {
    const [draft] = await workOrders(1);
    const response = await approve({ ids: [draft] });
    expect(response.data).toMatchObject({
      failure_codes: { [draft!]: 'INVALID_STATE_TRANSITION' },
      was_rolled_back: true,
    });
  });

  it('an update without its permission fails every id alike, existing or not', async () => {
    const viewer = await createPersonWith(t, tenant, ['work_orders.view']);
    const [real] = await workOrders(1);
    const unknown = randomUUID();
    const response = await bulk(t, viewer.token, 'work-orders', 'update', {
      ids: [unknown, real],
      update_data: { priority: 'HIGH' },
      rollback_on_error: false,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.data.failure_codes).toEqual({
      [unknown]: 'PERMISSION_DENIED',
      [real!]: 'PERMISSION_DENIED',
    });
  });

  it('a missing permission fails every record and is audited once, not on a dry run', async () => {
    const viewer = await createPersonWith(t, tenant, ['work_orders.view']);
    const ids = await workOrders(2, 'SUBMITTED');
    const dry = await bulk(t, viewer.token, 'work-orders', 'approve', { ids, dry_run: true });
    expect(dry.data.failure_codes).toEqual({
      [ids[0]!]: 'PERMISSION_DENIED',
      [ids[1]!]: 'PERMISSION_DENIED',
    });
    expect(await denialsOf(t, viewer.id)).toEqual([]);

    const response = await bulk(t, viewer.token, 'work-orders', 'approve', { ids });
    expect(response.statusCode).toBe(200);
    expect((response.data as unknown as Report).failure_details[ids[0]!]).toMatch(
      /requires work_orders\.approve/,
    );
    const denials = await denialsOf(t, viewer.id);
    expect(denials).toHaveLength(1);
    expect(denials[0]).toMatchObject({
      entity_type: 'work_order',
      entity_id: null,
      required_permission: 'work_orders.approve',
    });
    expect(denials[0]!.action_attempted).toMatch(/2 work_order/);
    const states = await statesOf(t, 'work_orders', ids);
    for (const state of states.values()) expect(state).toEqual({ status: 'SUBMITTED', version: 1 });
  });
});

describe('Idempotency-Key', () => {
  it('a retry returns the first response byte for byte and changes nothing', async () => {
    const ids = await workOrders(2, 'SUBMITTED');
    const key = randomUUID();
    const first = await approve({ ids }, { 'idempotency-key': key });
    expect(first.statusCode, first.body).toBe(200);
    const counts = await auditCounts(t, tenant.id);
    const retry = await approve({ ids }, { 'idempotency-key': key });
    expect(retry.statusCode).toBe(200);
    expect(retry.body).toBe(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers['x-correlation-id']).not.toBe(first.headers['x-correlation-id']);
    expect(await auditCounts(t, tenant.id)).toEqual(counts);
    const states = await statesOf(t, 'work_orders', ids);
    for (const state of states.values()) expect(state).toEqual({ status: 'APPROVED', version: 2 });
  });

  it('the same key with another body is 422 IDEMPOTENCY_KEY_REUSED, and changes nothing', async () => {
    const ids = await workOrders(2, 'SUBMITTED');
    const key = randomUUID();
    expect((await approve({ ids: [ids[0]] }, { 'idempotency-key': key })).statusCode).toBe(200);
    const reused = await approve({ ids: [ids[1]] }, { 'idempotency-key': key });
    expect(reused.statusCode, reused.body).toBe(422);
    expect(reused.data.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect((await statesOf(t, 'work_orders', [ids[1]!])).get(ids[1]!)).toEqual({
      status: 'SUBMITTED',
      version: 1,
    });
    // Another endpoint under the same key is another request too.
    const elsewhere = await bulk(
      t,
      tenant.adminToken,
      'work-orders',
      'reject',
      { ids: [ids[0]] },
      { 'idempotency-key': key },
    );
    expect(elsewhere.statusCode).toBe(422);
  });

  it('knows the same request by what it does: defaults spelled out and ids in capitals replay', async () => {
    const ids = await workOrders(2, 'SUBMITTED');
    const key = randomUUID();
    const first = await approve({ ids }, { 'idempotency-key': key });
    expect(first.statusCode, first.body).toBe(200);
    const spelled = await approve(
      { ids: ids.map((id) => id.toUpperCase()), dry_run: false, rollback_on_error: true },
      { 'idempotency-key': key },
    );
    expect(spelled.statusCode, spelled.body).toBe(200);
    expect(spelled.body).toBe(first.body);
    expect(spelled.headers['idempotent-replayed']).toBe('true');
  });

  it('a dry run reads a key without taking it: another request under a used key is 422', async () => {
    const ids = await workOrders(2, 'SUBMITTED');
    const used = randomUUID();
    expect((await approve({ ids: [ids[0]] }, { 'idempotency-key': used })).statusCode).toBe(200);
    const dry = await approve({ ids: [ids[1]], dry_run: true }, { 'idempotency-key': used });
    expect(dry.statusCode, dry.body).toBe(422);
    expect(dry.data.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });

    const fresh = randomUUID();
    const preview = await approve({ ids: [ids[1]], dry_run: true }, { 'idempotency-key': fresh });
    expect(preview.data).toMatchObject({ dry_run: true, successful_ids: [ids[1]] });
    // The dry run stored nothing: the real request under its key is a first request.
    const real = await approve({ ids: [ids[1]] }, { 'idempotency-key': fresh });
    expect(real.data).toMatchObject({ dry_run: false, successful_ids: [ids[1]] });
    expect(real.headers['idempotent-replayed']).toBeUndefined();
  });

  it('a key is kept 24 hours: once expired, the next request naming it is a first request', async () => {
    const ids = await workOrders(2, 'SUBMITTED');
    const key = randomUUID();
    const first = await approve({ ids: [ids[0]] }, { 'idempotency-key': key });
    const { rows } = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      sql<{ hours: number }>`
        select round(extract(epoch from expires_at - created_at) / 3600)::int as hours
        from idempotency_keys where key = ${key}`.execute(tx),
    );
    expect(rows).toEqual([{ hours: 24 }]);
    await withPlatformTxBypassingRls(t.database.db, (tx) =>
      sql`update idempotency_keys set expires_at = now() - interval '1 second'
        where key = ${key}`.execute(tx),
    );
    const later = await approve({ ids: [ids[1]] }, { 'idempotency-key': key });
    expect(later.statusCode, later.body).toBe(200);
    expect(later.body).not.toBe(first.body);
    expect(later.data).toMatchObject({ successful_ids: [ids[1]] });
  });

  it('a request that fails keeps no key: its retry, corrected, runs', async () => {
    const [id] = await workOrders(1);
    const key = randomUUID();
    const assign = (person: string) =>
      bulk(
        t,
        tenant.adminToken,
        'work-orders',
        'assign',
        { ids: [id], assigned_to_user: person },
        { 'idempotency-key': key },
      );
    expect((await assign(randomUUID())).statusCode).toBe(400);
    const retried = await assign(tenant.adminId);
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.data).toMatchObject({ successful_ids: [id] });
  });

  it("is one person's: another person's same key is a request of its own", async () => {
    const manager = await createPersonWith(t, tenant, ['work_orders.approve']);
    const ids = await workOrders(2, 'SUBMITTED');
    const key = randomUUID();
    await approve({ ids: [ids[0]] }, { 'idempotency-key': key });
    const theirs = await bulk(
      t,
      manager.token,
      'work-orders',
      'approve',
      { ids: [ids[1]] },
      { 'idempotency-key': key },
    );
    expect(theirs.data).toMatchObject({ successful_ids: [ids[1]] });
  });

  it.runIf(onPostgres)('two concurrent requests under one key apply once', async () => {
    const ids = await workOrders(5, 'SUBMITTED');
    const key = randomUUID();
    const before = await auditCounts(t, tenant.id);
    const responses = await Promise.all(
      Array.from({ length: 4 }, () => approve({ ids }, { 'idempotency-key': key })),
    );
    for (const response of responses) expect(response.statusCode, response.body).toBe(200);
    expect(new Set(responses.map((response) => response.body)).size).toBe(1);
    expect(responses[0]!.data.successful_items).toBe(5);
    const states = await statesOf(t, 'work_orders', ids);
    for (const state of states.values()) expect(state).toEqual({ status: 'APPROVED', version: 2 });
    const after = await auditCounts(t, tenant.id);
    expect(after.STATE_CHANGED).toBe((before.STATE_CHANGED ?? 0) + 5);
    expect(after.BULK_OPERATION).toBe((before.BULK_OPERATION ?? 0) + 1);
  });
});

describe.runIf(onPostgres)('concurrent bulk requests over overlapping records', () => {
  it('never apply a change twice, and the audit matches what committed', async () => {
    const ids = await workOrders(40);
    const before = await auditCounts(t, tenant.id);
    // Eight requests, each over an overlapping window of the records, all DRAFT -> SUBMITTED.
    const windows = Array.from({ length: 8 }, (_, i) => ids.slice(i * 4, i * 4 + 12));
    const responses = await Promise.all(
      windows.map((window) =>
        bulk(t, tenant.adminToken, 'work-orders', 'transition', {
          ids: window,
          target_state: 'SUBMITTED',
          rollback_on_error: false,
        }),
      ),
    );
    const committed = responses.flatMap((response) => {
      expect(response.statusCode, response.body).toBe(200);
      return (response.data as unknown as Report).successful_ids;
    });
    // Every record moved exactly once, by exactly one request; the others found it moved on.
    expect([...committed].sort()).toEqual([...new Set(windows.flat())].sort());
    const states = await statesOf(t, 'work_orders', ids);
    for (const id of new Set(windows.flat())) {
      expect(states.get(id)).toEqual({ status: 'SUBMITTED', version: 2 });
    }
    const after = await auditCounts(t, tenant.id);
    expect(after.STATE_CHANGED).toBe((before.STATE_CHANGED ?? 0) + committed.length);
    expect(after.BULK_OPERATION).toBe((before.BULK_OPERATION ?? 0) + windows.length);
  });
});

describe('rate limit', () => {
  it('allows 10 bulk requests a minute per person, then 429 with Retry-After', async () => {
    const limited = await buildTestApp({ env: { BULK_RATE_LIMIT: '10' } });
    try {
      const owner = await createTenant(limited);
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 11; i += 1) {
        last = await bulk(limited, owner.adminToken, 'tickets', 'resolve', {
          ids: [randomUUID()],
          dry_run: true,
        });
        statuses.push(last.statusCode);
      }
      expect(statuses).toEqual([...Array(10).fill(200), 429]);
      expect(last!.data.error).toMatchObject({ code: 'RATE_LIMITED' });
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
      expect(last!.headers['x-ratelimit-limit']).toBe('10');
      expect(last!.headers['ratelimit-policy']).toBe('"bulk";q=10;w=60');
    } finally {
      await limited.close();
    }
  });
});
