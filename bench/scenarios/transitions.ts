import { sql } from 'kysely';
import { withPlatformTxBypassingRls } from '../../src/platform/db/transactions.js';
import type { BenchEnv } from '../env.js';
import type { Row } from '../report.js';

/**
 * Single transitions (SPEC §12: ≥ 1,500/s on PostgreSQL, p99 ≤ 50 ms): each client moves a ticket
 * of its own OPEN → INPROGRESS → OPEN, beside GET by id on the same server.
 */
export async function transitionScenarios(env: BenchEnv): Promise<Row[]> {
  const ids = await seedOpenTickets(env, env.clients);
  const reopenAll = () =>
    withPlatformTxBypassingRls(env.database.db, (tx) =>
      sql`update tickets set status = 'OPEN' where tenant_id = ${env.ctx.tenantId}`.execute(tx),
    );
  const transitions = await env.measureHttp(
    {
      method: 'POST',
      paths: ids.map((id) => `/api/v1/tickets/${id}/transitions`),
      pathPerClient: true,
      bodies: [{ target_state: 'INPROGRESS' }, { target_state: 'OPEN' }],
      expectStatus: 200,
    },
    reopenAll,
  );
  const gets = await env.measureHttp({
    method: 'GET',
    paths: ids.map((id) => `/api/v1/tickets/${id}`),
    expectStatus: 200,
  });
  return [
    {
      scenario: 'POST /tickets/{id}/transitions',
      measured: transitions,
      baselineName: 'GET /tickets/{id}',
      baseline: gets,
      bar: '>= 1,500/s on PostgreSQL, p99 <= 50 ms',
    },
  ];
}

async function seedOpenTickets(env: BenchEnv, count: number): Promise<string[]> {
  const tenantId = env.ctx.tenantId;
  return withPlatformTxBypassingRls(env.database.db, async (tx) => {
    const { rows } = await sql<{ id: string }>`
      insert into tickets (tenant_id, number, title, category, priority, status)
      select ${tenantId}, 'TB' || lpad(n::text, 5, '0'), 'Door sensor fault ' || n, 'facilities',
             'MEDIUM', 'OPEN'
      from generate_series(1, ${count}) n
      returning id`.execute(tx);
    return rows.map((row) => row.id);
  });
}
