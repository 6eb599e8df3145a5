import { openBenchEnv } from './env.js';
import { formatRows, type Row } from './report.js';
import { listScenarios } from './scenarios/lists.js';
import { recordScenarios } from './scenarios/records.js';
import { transitionScenarios } from './scenarios/transitions.js';
import { searchScenarios } from './scenarios/search.js';
import { bulkScenarios } from './scenarios/bulk.js';
import { auditCostScenarios } from './scenarios/audit-cost.js';
import { auditExportScenarios } from './scenarios/audit-export.js';
import { clusterScenarios } from './scenarios/cluster.js';

/**
 * `npm run bench`: each scenario seeds its own data, measures a figure over HTTP and its baseline
 * in the same run (SPEC §12), and the table is printed at the end. BENCH_CLIENTS and
 * BENCH_SECONDS change the load (50 clients, 5 s per measurement by default); BENCH_ONLY=a,b
 * runs only the named scenarios (records, lists, transitions, search, bulk, audit-cost, audit-export,
 * cluster).
 */
const SCENARIOS = {
  records: recordScenarios,
  lists: listScenarios,
  transitions: transitionScenarios,
  search: searchScenarios,
  bulk: bulkScenarios,
  'audit-cost': auditCostScenarios,
  'audit-export': auditExportScenarios,
  cluster: clusterScenarios,
};
const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
const chosen = Object.entries(SCENARIOS).filter(([name]) => !only || only.includes(name));

const env = await openBenchEnv();
try {
  console.log(
    `facilityflow bench: ${env.database.kind} database, ${env.clients} clients, ${env.seconds} s per measurement`,
  );
  const rows: Row[] = [];
  for (const [, scenario] of chosen) rows.push(...(await scenario(env)));
  console.log(`\n${formatRows(rows)}\n`);
  console.log(
    "req/s counts successful calls; latencies cover every call. A baseline named '... use case' runs the same use case in-process (its SQL statements, no HTTP, no token lookup); the others run over HTTP on the same server. The bulk rows time one request at a time (req/s = 1000 / mean latency) beside their UPDATE and audit INSERT called in-process. The '3 processes' rows run one mix of calls over three serve processes (clients spread evenly), beside the same mix on one process; each row is one operation of the mix, and req/s its share of the throughput. slowdown = baseline req/s / measured req/s.",
  );
} finally {
  await env.close();
}
