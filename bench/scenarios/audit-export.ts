import { get } from 'node:http';
import { sql } from 'kysely';
import {
  declareExportCursor,
  fetchExportBatch,
  filterConditions,
} from '../../src/modules/audit/index.js';
import { withPlatformTxBypassingRls, withTenantTx } from '../../src/platform/db/transactions.js';
import type { BenchEnv } from '../env.js';
import type { Row } from '../report.js';

const ENTRIES = Number(process.env.BENCH_EXPORT_ENTRIES ?? 500_000);
const SEED_BATCH = 50_000;

interface Measured {
  entries: number;
  bytes: number;
  ms: number;
  /** The process's peak RSS while it ran, and how far above its RSS before. */
  peakRss: number;
  rssGrowth: number;
}

/**
 * GET /audit-logs/export over HTTP, NDJSON and CSV, of ENTRIES entries of the bench tenant
 * (BENCH_EXPORT_ENTRIES, 500,000 by default), read to the end by a client in this process
 * that counts lines and bytes. Beside it, in the same run, the same cursor in-process: DECLARE
 * and FETCH in a tenant transaction, rows decoded by the driver, no formatting and no HTTP.
 * The figure is entries/s (the table's req/s column), each with the process's peak RSS; the
 * cursor is read once, unmeasured, before anything is timed.
 */
export async function auditExportScenarios(env: BenchEnv): Promise<Row[]> {
  await seed(env);
  const total = await countEntries(env);
  // A first read, unmeasured, so no figure pays for a cold cache.
  await readCursor(env);
  const baseline = await measure(() => readCursor(env));
  const baselineRow = load(baseline);
  const rows: Row[] = [];
  for (const format of ['ndjson', 'csv'] as const) {
    const measured = await measure(() => download(env, format));
    const header = format === 'csv' ? 1 : 0;
    const complete = measured.entries - header >= total;
    console.log(
      `audit-export: ${format}: ${measured.entries - header} entries (${total} before the exports, each of which audits itself), ${(measured.bytes / 1e6).toFixed(1)} MB in ${(measured.ms / 1000).toFixed(1)} s = ${rate(measured)} entries/s, peak RSS ${mb(measured.peakRss)} (+${mb(measured.rssGrowth)}); cursor alone ${rate(baseline)} entries/s, peak RSS ${mb(baseline.peakRss)} (+${mb(baseline.rssGrowth)})`,
    );
    rows.push({
      scenario: `GET /audit-logs/export?format=${format}, ${total} entries, entries/s; peak RSS ${mb(measured.peakRss)} (+${mb(measured.rssGrowth)})`,
      measured: { ...load(measured), errors: complete ? 0 : 1 },
      baselineName: `its cursor in-process; peak RSS ${mb(baseline.peakRss)} (+${mb(baseline.rssGrowth)})`,
      baseline: baselineRow,
    });
  }
  return rows;
}

const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;
const rate = (m: Measured) => Math.round(m.entries / (m.ms / 1000)).toLocaleString('en');

/** A whole export as one "call" per entry: req/s in the table reads as entries/s. */
function load(m: Measured) {
  return { calls: m.entries, errors: 0, seconds: m.ms / 1000, latencies: [m.ms] };
}

/** Runs `work`, sampling RSS every 50 ms. */
async function measure(work: () => Promise<{ entries: number; bytes: number }>): Promise<Measured> {
  const before = process.memoryUsage().rss;
  let peakRss = before;
  const sample = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const started = performance.now();
  try {
    const { entries, bytes } = await work();
    const ms = performance.now() - started;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    return { entries, bytes, ms, peakRss, rssGrowth: peakRss - before };
  } finally {
    clearInterval(sample);
  }
}

/** The export over HTTP, consumed as it arrives: lines and bytes counted, nothing kept. */
function download(env: BenchEnv, format: string): Promise<{ entries: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let lines = 0;
    get(
      `${env.baseUrl}/api/v1/audit-logs/export?format=${format}`,
      { headers: { authorization: `Bearer ${env.token}` } },
      (response) => {
        if (response.statusCode !== 200) reject(new Error(`export: ${response.statusCode}`));
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
        });
        response.on('end', () => resolve({ entries: lines, bytes }));
        response.on('error', reject);
      },
    ).on('error', reject);
  });
}

/** The baseline: the export's own cursor, fetched to the end in one tenant transaction. */
function readCursor(env: BenchEnv): Promise<{ entries: number; bytes: number }> {
  return withTenantTx(env.ctx, async (tx) => {
    await declareExportCursor(tx, filterConditions(env.ctx.tenantId, {}));
    let entries = 0;
    for (
      let rows = await fetchExportBatch(tx);
      rows.length > 0;
      rows = await fetchExportBatch(tx)
    ) {
      entries += rows.length;
    }
    return { entries, bytes: 0 };
  });
}

/** ENTRIES entries shaped like a record's UPDATED entry, in batches, as the owner. */
async function seed(env: BenchEnv): Promise<void> {
  const started = performance.now();
  for (let first = 1; first <= ENTRIES; first += SEED_BATCH) {
    const last = Math.min(ENTRIES, first + SEED_BATCH - 1);
    await withPlatformTxBypassingRls(env.database.db, (tx) =>
      sql`insert into audit_entries (tenant_id, id, correlation_id, event_type, entity_type,
          entity_id, actor_id, changes, metadata, ip_address, user_agent, created_at,
          retention_until)
        select ${env.ctx.tenantId}, gen_random_uuid(), gen_random_uuid(), 'UPDATED', 'work_order',
          gen_random_uuid(), ${env.ctx.actorId},
          jsonb_build_object('title', jsonb_build_object('old', 'Replace belt ' || g,
            'new', 'Replace both belts on air handler ' || g)),
          jsonb_build_object('version', 2),
          '10.1.2.3', 'Mozilla/5.0 (X11; Linux x86_64) facilityflow-bench',
          now() - interval '30 days' + g * interval '1 millisecond', now() + interval '60 days'
        from generate_series(${first}::int, ${last}::int) g`.execute(tx),
    );
  }
  await sql`analyze audit_entries`.execute(env.database.db);
  console.log(
    `audit-export: seeded ${ENTRIES} entries in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

async function countEntries(env: BenchEnv): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from audit_entries
    where tenant_id = ${env.ctx.tenantId}`.execute(env.database.db);
  return rows[0]!.n;
}
