import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { sql } from 'kysely';
import { recordAudit, type AuditEvent } from '../../src/platform/audit/record-audit.js';
import { withPlatformTxBypassingRls, withTenantTx } from '../../src/platform/db/transactions.js';
import { updateVersionedSet } from '../../src/platform/db/versioned-set-update.js';
import type { BenchEnv } from '../env.js';
import { percentile, type LoadResult } from '../load.js';
import type { Row } from '../report.js';

const RECORDS = 1000;
const RUNS = Number(process.env.BENCH_BULK_RUNS ?? 15);
const WARM_UPS = 2;
const BAR = 'p50 <= 250 ms PostgreSQL, <= 1 s embedded; ratio <= 2.5';

interface BulkCase {
  scenario: string;
  path: string;
  body: Record<string, unknown>;
  from: string;
  to: string;
  operationType: string;
  /** Each request with an Idempotency-Key of its own (claimed, then the response stored). */
  idempotent?: boolean;
}

/**
 * Bulk transitions of RECORDS work orders over HTTP, with audit (SPEC §12): RUNS requests one at
 * a time (BENCH_BULK_RUNS, 15 by default) after WARM_UPS, the records put back in their from-state
 * by SQL before each, outside the timing. The baseline, interleaved with them on the same records:
 * the statements the engine writes with, called directly in one tenant transaction (the set
 * UPDATE guarded by state and version, and the one audit INSERT of every STATE_CHANGED entry and
 * the BULK_OPERATION entry), from inputs prepared beforehand. What the endpoint adds: HTTP, the
 * token, the rate limiter, reading and locking the records, deciding each, the report.
 */
export async function bulkScenarios(env: BenchEnv): Promise<Row[]> {
  const ids = await seedWorkOrders(env);
  const transition = {
    path: '/api/v1/work-orders/bulk/transition',
    body: { ids, target_state: 'SUBMITTED' },
    from: 'DRAFT',
    to: 'SUBMITTED',
    operationType: 'work_order.transition',
  };
  const cases: BulkCase[] = [
    { scenario: `POST /work-orders/bulk/transition, ${RECORDS} DRAFT → SUBMITTED`, ...transition },
    { scenario: 'same, with an Idempotency-Key', ...transition, idempotent: true },
    {
      scenario: `POST /work-orders/bulk/approve, ${RECORDS} SUBMITTED → APPROVED`,
      path: '/api/v1/work-orders/bulk/approve',
      body: { ids },
      from: 'SUBMITTED',
      to: 'APPROVED',
      operationType: 'work_order.approve',
    },
  ];
  const rows: Row[] = [];
  for (const bulkCase of cases) rows.push(await measureCase(env, ids, bulkCase));
  return rows;
}

async function measureCase(env: BenchEnv, ids: string[], bulkCase: BulkCase): Promise<Row> {
  const measured: number[] = [];
  const baseline: number[] = [];
  let errors = 0;
  let baselineErrors = 0;
  for (let run = 0; run < WARM_UPS + RUNS; run++) {
    await reset(env, ids, bulkCase.from);
    const answer = await post(env, bulkCase.path, bulkCase.body, bulkCase.idempotent);
    const ok = answer.status === 200 && (await applied(env, ids, bulkCase, answer.text));
    if (!ok && errors === 0)
      console.log(`bulk: ${bulkCase.path} answered ${answer.status}: ${answer.text.slice(0, 500)}`);

    await reset(env, ids, bulkCase.from);
    const statements = await runStatements(env, ids, bulkCase);

    if (run < WARM_UPS) continue;
    measured.push(answer.ms);
    if (!ok) errors++;
    baseline.push(statements.ms);
    if (!statements.ok) baselineErrors++;
  }
  const result = loadOf(measured, errors);
  const base = loadOf(baseline, baselineErrors);
  const p = (load: LoadResult, n: number) => percentile(load.latencies, n).toFixed(1);
  const max = (load: LoadResult) => load.latencies.at(-1)!.toFixed(1);
  const ratio = percentile(result.latencies, 50) / percentile(base.latencies, 50);
  console.log(
    `bulk: ${bulkCase.scenario}: ${RUNS} requests, median ${p(result, 50)} ms, p95 ${p(result, 95)} ms, max ${max(result)} ms, ${errors} errors; statements alone median ${p(base, 50)} ms, p95 ${p(base, 95)} ms, max ${max(base)} ms, ${baselineErrors} errors; ratio of medians ${ratio.toFixed(2)} (bar: ${BAR})`,
  );
  return {
    scenario: bulkCase.scenario,
    measured: result,
    baselineName: 'its UPDATE + audit INSERT, in-process',
    baseline: base,
    bar: BAR,
  };
}

/** One request at a time: `seconds` is their summed latency, so req/s is 1000 / mean latency. */
function loadOf(latencies: number[], errors: number): LoadResult {
  const seconds = latencies.reduce((sum, ms) => sum + ms, 0) / 1000;
  return {
    calls: latencies.length,
    errors,
    seconds,
    latencies: [...latencies].sort((a, b) => a - b),
  };
}

/**
 * A POST timed until its last byte arrives (the body is parsed afterwards, by the caller).
 * The bench's HTTP client has no headers of its own, hence this one.
 */
function post(
  env: BenchEnv,
  path: string,
  body: unknown,
  idempotent = false,
): Promise<{ status: number; text: string; ms: number }> {
  const url = new URL(env.baseUrl);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path,
        headers: {
          authorization: `Bearer ${env.token}`,
          'content-type': 'application/json',
          ...(idempotent ? { 'idempotency-key': randomUUID() } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Whether the request moved every record and wrote its entries: the report and the rows. */
async function applied(
  env: BenchEnv,
  ids: string[],
  bulkCase: BulkCase,
  text: string,
): Promise<boolean> {
  const report = JSON.parse(text) as { successful_items: number; audit_correlation_id: string };
  if (report.successful_items !== RECORDS) return false;
  const { rows } = await sql<{ moved: number; entries: number }>`
    select (select count(*)::int from work_orders
            where tenant_id = ${env.ctx.tenantId} and id = any(${ids}::uuid[])
              and status = ${bulkCase.to}) as moved,
           (select count(*)::int from audit_entries
            where tenant_id = ${env.ctx.tenantId}
              and correlation_id = ${report.audit_correlation_id}) as entries`.execute(
    env.database.db,
  );
  return rows[0]!.moved === RECORDS && rows[0]!.entries === RECORDS + 1;
}

/**
 * The baseline: the engine's two writing statements, as it calls them, inside BEGIN (with the
 * tenant scope) ... COMMIT. Only that is timed; the inputs are built before.
 */
async function runStatements(
  env: BenchEnv,
  ids: string[],
  bulkCase: BulkCase,
): Promise<{ ms: number; ok: boolean }> {
  const changes = ids.map((id) => ({
    id,
    version: 1,
    status: bulkCase.from,
    values: { status: bulkCase.to },
  }));
  const events: AuditEvent[] = ids.map((id) => ({
    eventType: 'STATE_CHANGED',
    entityType: 'work_order',
    entityId: id,
    changes: { status: { old: bulkCase.from, new: bulkCase.to } },
    metadata: { version: 2 },
    stateTransition: {
      fromState: bulkCase.from,
      toState: bulkCase.to,
      transitionReason: null,
      transitionDurationSeconds: 0.5,
    },
  }));
  events.push({
    eventType: 'BULK_OPERATION',
    entityType: 'work_order',
    entityId: null,
    metadata: { target_state: bulkCase.to, rollback_on_error: true },
    bulkOperation: {
      operationType: bulkCase.operationType,
      totalItems: RECORDS,
      successfulItems: RECORDS,
      failedItems: 0,
      failureDetails: {},
      executionTimeMs: 100,
      wasRolledBack: false,
    },
  });
  const ctx = { ...env.ctx, correlationId: randomUUID() };
  const started = performance.now();
  const written = await withTenantTx(ctx, async (tx) => {
    const rows = await updateVersionedSet(tx, {
      table: 'work_orders',
      tenantId: ctx.tenantId,
      actorId: ctx.actorId,
      columns: ['status'],
      alsoSet: [sql`status_changed_at = now()`],
      withRows: false,
      changes,
    });
    await recordAudit(tx, ctx, ...events);
    return rows.length;
  });
  return { ms: performance.now() - started, ok: written === RECORDS };
}

/** Every record back in `status` at version 1, outside the timing, and the table vacuumed. */
async function reset(env: BenchEnv, ids: string[], status: string): Promise<void> {
  await withPlatformTxBypassingRls(env.database.db, (tx) =>
    sql`
      update work_orders set status = ${status}, version = 1,
        status_changed_at = now() - interval '1 day'
      where tenant_id = ${env.ctx.tenantId} and id = any(${ids}::uuid[])`.execute(tx),
  );
  // Each request leaves RECORDS dead row versions: without this, the table and its indexes grow
  // through the measurements and autovacuum runs during some of them.
  await sql`vacuum work_orders`.execute(env.database.db);
}

/**
 * A site, a vendor (approval needs one), and RECORDS work orders with it, each with two line
 * items (the read of a work order gathers them), inserted directly.
 */
async function seedWorkOrders(env: BenchEnv): Promise<string[]> {
  const tenantId = env.ctx.tenantId;
  const ids = await withPlatformTxBypassingRls(env.database.db, async (tx) => {
    const { rows: sites } = await sql<{ id: string }>`
      insert into sites (tenant_id, code, name, timezone)
      values (${tenantId}, 'BULK', 'Bulk Bench Plant', 'Europe/London') returning id`.execute(tx);
    const { rows: vendors } = await sql<{ id: string }>`
      insert into vendors (tenant_id, code, name)
      values (${tenantId}, 'BULKV', 'Bulk Bench Mechanical') returning id`.execute(tx);
    const { rows } = await sql<{ id: string }>`
      insert into work_orders (tenant_id, number, title, site_id, vendor_id, priority, due_at)
      select ${tenantId}, 'WB-' || lpad(n::text, 6, '0'), 'Service air handler ' || n,
             ${sites[0]!.id}, ${vendors[0]!.id},
             (array['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'])[1 + n % 4], now() + make_interval(days => n % 30)
      from generate_series(1, ${RECORDS}) n
      returning id`.execute(tx);
    await sql`
      insert into work_order_line_items (tenant_id, work_order_id, seq, description, mandatory)
      select ${tenantId}, w.id, s, 'Checklist step ' || s, s = 1
      from work_orders w, generate_series(1, 2) s
      where w.tenant_id = ${tenantId} and w.number like 'WB-%'`.execute(tx);
    return rows.map((row) => row.id);
  });
  await sql`vacuum (analyze) work_orders, work_order_line_items`.execute(env.database.db);
  return ids;
}
