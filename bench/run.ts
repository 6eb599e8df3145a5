import { openBenchEnv } from './env.js';
import { formatRows, type Row } from './report.js';
import { listScenarios } from './scenarios/lists.js';
import { recordScenarios } from './scenarios/records.js';
import { searchScenarios } from './scenarios/search.js';

/**
 * `npm run bench`: each scenario seeds its own data, measures a figure over HTTP and its baseline
 * in the same run (SPEC §12), and the table is printed at the end. BENCH_CLIENTS and
 * BENCH_SECONDS change the load (50 clients, 5 s per measurement by default); BENCH_ONLY=search
 * (or records, lists, comma-separated) runs some scenarios only.
 */
const ONLY = process.env.BENCH_ONLY?.split(',');
const SCENARIOS = Object.entries({
  records: recordScenarios,
  lists: listScenarios,
  search: searchScenarios,
})
  .filter(([name]) => !ONLY || ONLY.includes(name))
  .map(([, scenario]) => scenario);

const env = await openBenchEnv();
try {
  console.log(
    `facilityflow bench: ${env.database.kind} database, ${env.clients} clients, ${env.seconds} s per measurement`,
  );
  const rows: Row[] = [];
  for (const scenario of SCENARIOS) rows.push(...(await scenario(env)));
  console.log(`\n${formatRows(rows)}\n`);
  console.log(
    'req/s and latencies are over HTTP from this process; the baseline runs the same use case in-process (its SQL statements, no HTTP and no token lookup). slowdown = baseline req/s / route req/s.',
  );
} finally {
  await env.close();
}
