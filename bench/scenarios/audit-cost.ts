import { sql } from 'kysely';
import {
  noteChange,
  withPlatformTxBypassingRls,
  withTenantTx,
} from '../../src/platform/db/transactions.js';
import { openDatabase } from '../../src/platform/db/database.js';
import { updateVersioned, type VersionedTable } from '../../src/platform/db/versioned-update.js';
import { recordColumns } from '../../src/platform/records/read-records.js';
import type { RecordRow } from '../../src/platform/records/record-table.js';
import {
  decideTransition,
  findWorkflow,
  transitionRecord,
  type WorkflowDefinition,
} from '../../src/workflow/index.js';
import { loadTransitionFacts } from '../../src/workflow/transition-record.js';
import { WORKFLOWS } from '../../src/workflows.js';
import { serveAnother, type BenchEnv } from '../env.js';
import { runHttpLoad, type HttpPlan } from '../http-load.js';
import { runLoad, type LoadResult } from '../load.js';
import type { Row } from '../report.js';

/** Rounds of the HTTP comparison. */
const ROUNDS = 2;
/**
 * The in-process comparison alternates this many short slices of each: this machine's speed
 * drifts by a quarter within a minute, and short alternating slices put the drift on both.
 */
const IN_PROCESS_SLICES = 20;
const SLICE_SECONDS = 1;

/**
 * What auditing costs a transition (issue bar: at most 15%): each client moves a ticket of its own
 * OPEN ⇄ INPROGRESS in-process, with the transition use case as it runs (read, decide, the guarded
 * UPDATE with its STATE_CHANGED entry in one statement), beside the same steps with the UPDATE
 * alone. The two alternate in IN_PROCESS_SLICES slices of SLICE_SECONDS each, so drift in the
 * machine's speed falls on both, and each slice starts from vacuumed tables, so neither inherits
 * the other's dead rows. The table shows the slices merged; the slices' own slowdowns are
 * printed as quartiles beside it.
 */
export async function auditCostScenarios(env: BenchEnv): Promise<Row[]> {
  const workflow = findWorkflow(WORKFLOWS, 'ticket')!;
  const ids = await seedTickets(env, env.clients);
  const states = ids.map(() => 'OPEN');
  const move = (audited: boolean) => async (client: number) => {
    const target = states[client] === 'OPEN' ? 'INPROGRESS' : 'OPEN';
    if (audited) {
      await transitionRecord(env.ctx, workflow, ids[client]!, { targetState: target }, null);
    } else {
      await transitionWithoutAudit(env, workflow, ids[client]!, target);
    }
    states[client] = target;
    return true;
  };
  const audited: LoadResult[] = [];
  const unaudited: LoadResult[] = [];
  const measure = async (audited: boolean) => {
    await sql`vacuum tickets, audit_entries`.execute(env.database.db);
    return runLoad(env.clients, SLICE_SECONDS, move(audited));
  };
  await measure(false); // warm-up
  await measure(true);
  for (let slice = 0; slice < IN_PROCESS_SLICES; slice++) {
    unaudited.push(await measure(false));
    audited.push(await measure(true));
  }
  const slowdowns = audited
    .map((result, slice) => rate(unaudited[slice]!) / rate(result))
    .sort((x, y) => x - y);
  const quartile = (q: number) => slowdowns[Math.round(q * (slowdowns.length - 1))]!.toFixed(2);
  console.log(
    `audit-cost: in-process slowdown over ${IN_PROCESS_SLICES} alternating ${SLICE_SECONDS}-s slices: merged ${(rate(merge(unaudited)) / rate(merge(audited))).toFixed(2)}, slices' quartiles ${quartile(0.25)} / ${quartile(0.5)} / ${quartile(0.75)} (bar 1.15)`,
  );
  return [
    {
      scenario: 'ticket transition use case, with its audit entry',
      measured: merge(audited),
      baselineName: 'the same without the audit entry',
      baseline: merge(unaudited),
      bar: 'slowdown <= 1.15x',
    },
    ...(await overHttp(env, ids)),
  ];
}

/** Set on the connections of the server whose audit rows are dropped. */
const SKIP_SETTING = 'facilityflow_bench.skip_audit';

/**
 * What storing the entries costs, over HTTP as the clients of SPEC §12 send transitions: 50
 * clients, each moving a ticket of its own, on two servers of the same build and database. The
 * second server's connections carry a setting under which a trigger drops every audit row before
 * it is stored (the first server pays for the trigger too). Everything else runs on both:
 * building the entry, sending it, and the INSERT up to its BEFORE trigger, which is most of what
 * auditing costs (the in-process row measures all of it). PostgreSQL only: an embedded database
 * has one connection.
 */
async function overHttp(env: BenchEnv, ids: string[]): Promise<Row[]> {
  if (env.database.kind !== 'postgres') {
    console.log('audit-cost: the HTTP comparison needs PostgreSQL (DATABASE_URL); skipped');
    return [];
  }
  await dropAuditRowsWhenAsked(env, true);
  // Each server has a pool of its own at the size `serve` gives one (20): with the bench's own
  // pool they stay under PostgreSQL's default of 100 connections.
  const skipping = new URL(process.env.DATABASE_URL!);
  skipping.searchParams.set('options', `-c ${SKIP_SETTING}=on`);
  const auditedDatabase = await openDatabase({ kind: 'postgres', url: process.env.DATABASE_URL! });
  const skippingDatabase = await openDatabase({ kind: 'postgres', url: skipping.toString() });
  const audited = await serveAnother(env, {}, auditedDatabase);
  const unaudited = await serveAnother(env, {}, skippingDatabase);
  try {
    const plan: HttpPlan = {
      method: 'POST',
      paths: ids.map((id) => `/api/v1/tickets/${id}/transitions`),
      pathPerClient: true,
      bodies: [{ target_state: 'INPROGRESS' }, { target_state: 'OPEN' }],
      expectStatus: 200,
    };
    const reopenAll = () =>
      withPlatformTxBypassingRls(env.database.db, (tx) =>
        sql`update tickets set status = 'OPEN' where tenant_id = ${env.ctx.tenantId} and id = any(${ids}::uuid[])`.execute(
          tx,
        ),
      );
    const target = (baseUrl: string) => ({ baseUrl, token: env.token, clients: env.clients });
    const measure = async (baseUrl: string) => {
      await runHttpLoad(target(baseUrl), 1, plan);
      await reopenAll();
      const result = await runHttpLoad(target(baseUrl), env.seconds, plan);
      await reopenAll();
      return result;
    };
    const withAudit: LoadResult[] = [];
    const skipped: LoadResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const before = await entriesOf(env, ids);
      skipped.push(await measure(unaudited.baseUrl));
      if ((await entriesOf(env, ids)) !== before) {
        throw new Error('audit-cost: the server without audit rows wrote some');
      }
      withAudit.push(await measure(audited.baseUrl));
    }
    return [
      {
        scenario: `POST /tickets/{id}/transitions, ${env.clients} clients, audit rows stored`,
        measured: merge(withAudit),
        baselineName: 'the same, audit rows built but dropped before storage',
        baseline: merge(skipped),
      },
    ];
  } finally {
    await Promise.all([audited.close(), unaudited.close()]);
    await Promise.all([auditedDatabase.close(), skippingDatabase.close()]);
    await dropAuditRowsWhenAsked(env, false);
  }
}

async function entriesOf(env: BenchEnv, ids: string[]): Promise<number> {
  const { rows } = await sql<{ count: string }>`
    select count(*) from audit_entries
    where tenant_id = ${env.ctx.tenantId} and entity_id = any(${ids}::uuid[])`.execute(
    env.database.db,
  );
  return Number(rows[0]!.count);
}

/** Installs (or removes) the bench's trigger that drops audit rows under SKIP_SETTING. */
async function dropAuditRowsWhenAsked(env: BenchEnv, install: boolean): Promise<void> {
  const db = env.database.db;
  await sql`drop trigger if exists bench_skip_audit on audit_entries`.execute(db);
  await sql`drop function if exists bench_skip_audit()`.execute(db);
  if (!install) return;
  await sql`
    create function bench_skip_audit() returns trigger language plpgsql as $$
    begin
      if current_setting(${sql.lit(SKIP_SETTING)}, true) = 'on' then return null; end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger bench_skip_audit before insert on audit_entries
    for each row execute function bench_skip_audit()`.execute(db);
}

/**
 * `transitionRecord`'s steps with `applyTransition`'s UPDATE, minus the audit entry; the search
 * caches still hear of the change.
 */
async function transitionWithoutAudit(
  env: BenchEnv,
  workflow: WorkflowDefinition<unknown>,
  id: string,
  targetState: string,
): Promise<void> {
  await withTenantTx(env.ctx, async (tx) => {
    const input = (await loadTransitionFacts(tx, env.ctx, workflow, [id], {})).get(id)!.input;
    const decision = decideTransition(workflow, input, targetState, env.ctx.permissions);
    if (!decision.ok) throw decision.error;
    await updateVersioned(tx, {
      table: workflow.table.table as VersionedTable,
      tenantId: env.ctx.tenantId,
      id,
      expected: { version: input.record.version, source: 'body' },
      set: { status: targetState, status_changed_at: sql`now()` } as RecordRow,
      actorId: env.ctx.actorId,
      entityName: workflow.table.entityName,
      softDeleted: true,
      guard: sql<boolean>`status = ${input.record.status}`,
      returning: recordColumns(workflow.table),
    });
    // What the audit write tells the caches otherwise: not a cost of auditing.
    noteChange(tx, env.ctx.tenantId, workflow.entity);
  });
}

const rate = (result: LoadResult) => (result.calls - result.errors) / result.seconds;

function merge(results: LoadResult[]): LoadResult {
  return {
    calls: results.reduce((sum, r) => sum + r.calls, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    seconds: results.reduce((sum, r) => sum + r.seconds, 0),
    latencies: results.flatMap((r) => r.latencies).sort((a, b) => a - b),
  };
}

async function seedTickets(env: BenchEnv, count: number): Promise<string[]> {
  return withPlatformTxBypassingRls(env.database.db, async (tx) => {
    const { rows } = await sql<{ id: string }>`
      insert into tickets (tenant_id, number, title, category, priority, status)
      select ${env.ctx.tenantId}, 'TA' || lpad(n::text, 5, '0'), 'Leaking tap ' || n, 'plumbing',
             'MEDIUM', 'OPEN'
      from generate_series(1, ${count}) n
      returning id`.execute(tx);
    return rows.map((row) => row.id);
  });
}
