import { sql } from 'kysely';
import { workOrders } from '../../src/modules/work-orders/index.js';
import { withPlatformTxBypassingRls } from '../../src/platform/db/transactions.js';
import type { BenchEnv } from '../env.js';
import type { Row } from '../report.js';

const WORK_ORDERS = 1000;

/** GET by id and PATCH of work orders, beside the same use cases called in-process. */
export async function recordScenarios(env: BenchEnv): Promise<Row[]> {
  const ids = await seedWorkOrders(env);
  const idFor = (client: number, i: number) => ids[(client * 7919 + i * 104729) % ids.length]!;
  const paths = ids.map((id) => `/api/v1/work-orders/${id}`);

  const getOverHttp = await env.measureHttp({ method: 'GET', paths, expectStatus: 200 });
  const getInProcess = await env.measureInProcess((client, i) =>
    workOrders.get(env.ctx, idFor(client, i)),
  );
  const patchOverHttp = await env.measureHttp({
    method: 'PATCH',
    paths,
    body: { title: 'Inspect chiller bearings {n}' },
    expectStatus: 200,
  });
  const patchInProcess = await env.measureInProcess((client, i) =>
    workOrders.update(
      env.ctx,
      idFor(client, i),
      { title: `Inspect pump seals ${client}-${i}` },
      null,
    ),
  );

  return [
    {
      scenario: 'GET /work-orders/{id}',
      measured: getOverHttp,
      baselineName: 'get use case',
      baseline: getInProcess,
    },
    {
      scenario: 'PATCH /work-orders/{id}',
      measured: patchOverHttp,
      baselineName: 'update use case',
      baseline: patchInProcess,
    },
  ];
}

/** One site and WORK_ORDERS work orders with two line items each, inserted directly. */
async function seedWorkOrders(env: BenchEnv): Promise<string[]> {
  const tenantId = env.ctx.tenantId;
  return withPlatformTxBypassingRls(env.database.db, async (tx) => {
    const { rows: sites } = await sql<{ id: string }>`
      insert into sites (tenant_id, code, name, timezone)
      values (${tenantId}, 'BENCH', 'Bench Plant', 'Europe/London') returning id`.execute(tx);
    const { rows } = await sql<{ id: string }>`
      insert into work_orders (tenant_id, number, title, site_id, priority, due_at)
      select ${tenantId}, 'WO-' || lpad(n::text, 6, '0'), 'Replace filter bank ' || n, ${sites[0]!.id},
             (array['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'])[1 + n % 4], now() + make_interval(days => n % 30)
      from generate_series(1, ${WORK_ORDERS}) n
      returning id`.execute(tx);
    await sql`
      insert into work_order_line_items (tenant_id, work_order_id, seq, description, mandatory)
      select ${tenantId}, w.id, s, 'Checklist step ' || s, s = 1
      from work_orders w, generate_series(1, 2) s where w.tenant_id = ${tenantId}`.execute(tx);
    await sql`
      insert into tenant_counters (tenant_id, name, value) values (${tenantId}, 'work_order', ${WORK_ORDERS})`.execute(
      tx,
    );
    return rows.map((row) => row.id);
  });
}
