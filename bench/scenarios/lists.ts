import { sql } from 'kysely';
import { workOrders } from '../../src/modules/work-orders/index.js';
import { withPlatformTxBypassingRls } from '../../src/platform/db/transactions.js';
import type { BenchEnv } from '../env.js';
import type { Row } from '../report.js';

const EXTRA_WORK_ORDERS = 19_000;
const PAGE_SIZE = 50;
const DEEP_PAGE = 400;

/**
 * Lists over 20,000 work orders: page 1, the last offset page (40) and a page 400 deep by cursor,
 * each beside page 1 (ADR 0004: depth should cost nothing). Runs after the record scenarios,
 * whose 1,000 work orders it joins.
 */
export async function listScenarios(env: BenchEnv): Promise<Row[]> {
  await seedMoreWorkOrders(env);
  const query = `page_size=${PAGE_SIZE}&sort=-created_at`;
  let cursor: string | undefined;
  for (let page = 1; page < DEEP_PAGE; page++) {
    const next = await workOrders.list(env.ctx, {
      page_size: PAGE_SIZE,
      sort: '-created_at',
      cursor,
    });
    cursor = next.pagination.next_cursor ?? undefined;
  }
  if (!cursor) throw new Error(`fewer than ${DEEP_PAGE} pages of work orders`);

  const list = (suffix: string) =>
    env.measureHttp({
      method: 'GET',
      paths: [`/api/v1/work-orders?${query}${suffix}`],
      expectStatus: 200,
    });
  const firstPage = await list('');
  const firstInProcess = await env.measureInProcess(() =>
    workOrders.list(env.ctx, { page_size: PAGE_SIZE, sort: '-created_at' }),
  );
  const lastOffsetPage = await list('&page=40');
  const deepCursorPage = await list(`&cursor=${encodeURIComponent(cursor)}`);
  return [
    {
      scenario: `GET /work-orders page 1 (${PAGE_SIZE} of 20,000)`,
      measured: firstPage,
      baselineName: 'list use case',
      baseline: firstInProcess,
    },
    {
      scenario: 'GET /work-orders page 40 by offset',
      measured: lastOffsetPage,
      baselineName: 'page 1 over HTTP',
      baseline: firstPage,
    },
    {
      scenario: `GET /work-orders page ${DEEP_PAGE} by cursor`,
      measured: deepCursorPage,
      baselineName: 'page 1 over HTTP',
      baseline: firstPage,
    },
  ];
}

async function seedMoreWorkOrders(env: BenchEnv): Promise<void> {
  const tenantId = env.ctx.tenantId;
  await withPlatformTxBypassingRls(env.database.db, async (tx) => {
    await sql`
      insert into work_orders (tenant_id, number, title, site_id, priority, created_at)
      select ${tenantId}, 'WO-L' || lpad(n::text, 6, '0'), 'Quarterly fire door inspection ' || n,
             (select id from sites where tenant_id = ${tenantId} limit 1),
             (array['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'])[1 + n % 4],
             now() - make_interval(mins => n)
      from generate_series(1, ${EXTRA_WORK_ORDERS}) n`.execute(tx);
    await sql`analyze work_orders`.execute(tx);
  });
}
