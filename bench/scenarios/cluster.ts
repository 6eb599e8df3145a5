import { sql } from 'kysely';
import { withPlatformTxBypassingRls } from '../../src/platform/db/transactions.js';
import { startServers } from '../../test/server-processes.js';
import { serverProcessEnv, type BenchEnv } from '../env.js';
import { httpClient, runLoad, type HttpClient, type LoadResult } from '../load.js';
import type { Row } from '../report.js';

const TICKETS = 1_000;
const WARM_UP_SECONDS = 1;
const WORDS = ['boiler', 'chiller', 'lift', 'leak', 'alarm', 'pump', 'door', 'valve'];

interface CallContext {
  client: number;
  i: number;
  ids: string[];
  /** Each client's own ticket's state (ids[client]), which only its transitions change. */
  states: string[];
}

interface Operation {
  name: string;
  /** Out of 100 calls. */
  share: number;
  call(http: HttpClient, ctx: CallContext): Promise<boolean>;
}

/**
 * A mixed workload over tickets: each client moves a ticket of its own OPEN ⇄ INPROGRESS; the
 * other calls spread over all tickets (writes name no version: last write wins).
 */
const OPERATIONS: Operation[] = [
  {
    name: 'GET /tickets/{id}',
    share: 40,
    call: async (http, { client, i, ids }) =>
      (await http.send('GET', `/api/v1/tickets/${ids[(client * 31 + i * 17) % ids.length]}`))
        .status === 200,
  },
  {
    name: 'GET /tickets (list)',
    share: 10,
    call: async (http) => (await http.send('GET', '/api/v1/tickets?page_size=25')).status === 200,
  },
  {
    name: 'PATCH /tickets/{id}',
    share: 20,
    call: async (http, { client, i, ids }) =>
      (
        await http.send('PATCH', `/api/v1/tickets/${ids[(client * 13 + i * 29) % ids.length]}`, {
          description: `Checked by client ${client}, call ${i}`,
        })
      ).status === 200,
  },
  {
    name: 'POST /tickets/{id}/transitions',
    share: 15,
    call: async (http, { client, ids, states }) => {
      const target = states[client] === 'OPEN' ? 'INPROGRESS' : 'OPEN';
      const response = await http.send('POST', `/api/v1/tickets/${ids[client]}/transitions`, {
        target_state: target,
      });
      if (response.status === 200) states[client] = target;
      return response.status === 200;
    },
  },
  {
    name: 'GET /search',
    share: 10,
    call: async (http, { client, i }) =>
      (await http.send('GET', `/api/v1/search?q=${WORDS[(client + i) % WORDS.length]}`)).status ===
      200,
  },
  {
    name: 'POST /tickets/bulk/update-priority (20 ids)',
    share: 5,
    call: async (http, { client, i, ids }) => {
      const start = (client * 97 + i * 20) % (ids.length - 20);
      const response = await http.send('POST', '/api/v1/tickets/bulk/update-priority', {
        ids: ids.slice(start, start + 20),
        priority: i % 2 === 0 ? 'HIGH' : 'MEDIUM',
        rollback_on_error: false,
      });
      return response.status === 200;
    },
  },
];

/** Which operation each of 100 calls makes: slot k of the shares, stepped by 37 to interleave. */
const SCHEDULE = Array.from({ length: 100 }, (_, k) => {
  let slot = (k * 37) % 100;
  return OPERATIONS.findIndex((operation) => (slot -= operation.share) < 0);
});

/**
 * Three `serve` processes on the bench's PostgreSQL database and Redis, under the mixed workload
 * above, beside the same workload on one process measured in the same run. Clients stay on one
 * process each (as behind a balancer keeping connections), spread evenly.
 */
export async function clusterScenarios(env: BenchEnv): Promise<Row[]> {
  if (env.database.kind !== 'postgres') {
    console.log('cluster: skipped (set DATABASE_URL: processes cannot share an embedded database)');
    return [];
  }
  const ids = await seedTickets(env);
  const serverEnv = serverProcessEnv({
    SEARCH_RATE_LIMIT_USER: String(1e9),
    BULK_RATE_LIMIT: String(1e9),
  });
  const single = await measureOn(1, serverEnv, env, ids);
  const three = await measureOn(3, serverEnv, env, ids);
  return [...OPERATIONS.map((operation) => operation.name), 'all operations'].map((name) => ({
    scenario: `3 processes: ${name}`,
    measured: three.get(name)!,
    baselineName: '1 process',
    baseline: single.get(name)!,
  }));
}

async function measureOn(
  processes: number,
  serverEnv: Record<string, string>,
  env: BenchEnv,
  ids: string[],
): Promise<Map<string, LoadResult>> {
  const cluster = await startServers(processes, serverEnv);
  const clients = cluster.servers.map((server) =>
    httpClient(server.url, env.token, Math.ceil(env.clients / processes)),
  );
  try {
    await resetTickets(env);
    await mixedLoad(clients, env.clients, WARM_UP_SECONDS, ids);
    await resetTickets(env);
    return await mixedLoad(clients, env.clients, env.seconds, ids);
  } finally {
    for (const client of clients) client.close();
    await cluster.stop();
  }
}

/** `clients` callers over the processes' clients; a result per operation and for all. */
async function mixedLoad(
  http: HttpClient[],
  clients: number,
  seconds: number,
  ids: string[],
): Promise<Map<string, LoadResult>> {
  const per = OPERATIONS.map(() => ({ latencies: [] as number[], errors: 0 }));
  const states = ids.map(() => 'OPEN');
  const all = await runLoad(clients, seconds, async (client, i) => {
    const index = SCHEDULE[i % SCHEDULE.length]!;
    const t0 = performance.now();
    const ok = await OPERATIONS[index]!.call(http[client % http.length]!, {
      client,
      i,
      ids,
      states,
    }).catch(() => false);
    per[index]!.latencies.push(performance.now() - t0);
    if (!ok) per[index]!.errors++;
    return ok;
  });
  const results = new Map<string, LoadResult>([['all operations', all]]);
  OPERATIONS.forEach((operation, index) => {
    const { latencies, errors } = per[index]!;
    latencies.sort((x, y) => x - y);
    results.set(operation.name, {
      calls: latencies.length,
      errors,
      seconds: all.seconds,
      latencies,
    });
  });
  return results;
}

async function seedTickets(env: BenchEnv): Promise<string[]> {
  const tenantId = env.ctx.tenantId;
  return withPlatformTxBypassingRls(env.database.db, async (tx) => {
    const { rows } = await sql<{ id: string }>`
      insert into tickets (tenant_id, number, title, category, priority, status)
      select ${tenantId}, 'TC' || lpad(n::text, 5, '0'),
             (array[${sql.join(WORDS)}])[1 + n % ${WORDS.length}] || ' fault in block ' || n,
             'facilities', 'MEDIUM', 'OPEN'
      from generate_series(1, ${TICKETS}) n
      returning id`.execute(tx);
    return rows.map((row) => row.id);
  });
}

/** Every ticket OPEN again, so each client's transitions start from a known state. */
function resetTickets(env: BenchEnv) {
  return withPlatformTxBypassingRls(env.database.db, (tx) =>
    sql`update tickets set status = 'OPEN' where tenant_id = ${env.ctx.tenantId}
      and number like 'TC%'`.execute(tx),
  );
}
