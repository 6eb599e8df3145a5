import { sql } from 'kysely';
import {
  noteChange,
  withPlatformTxBypassingRls,
  withTenantTx,
} from '../../src/platform/db/transactions.js';
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
import type { BenchEnv } from '../env.js';
import type { LoadResult } from '../load.js';
import type { Row } from '../report.js';

const ROUNDS = 2;

/**
 * What auditing costs a transition (issue bar: at most 15%): each client moves a ticket of its own
 * OPEN ⇄ INPROGRESS in-process, with the transition use case as it runs (read, decide, the guarded
 * UPDATE with its STATE_CHANGED entry in one statement), beside the same steps with the UPDATE
 * alone. The two alternate for ROUNDS rounds, so drift in the machine's speed falls on both.
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
  };
  const audited: LoadResult[] = [];
  const unaudited: LoadResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    unaudited.push(await env.measureInProcess(move(false)));
    audited.push(await env.measureInProcess(move(true)));
  }
  return [
    {
      scenario: 'ticket transition use case, with its audit entry',
      measured: merge(audited),
      baselineName: 'the same without the audit entry',
      baseline: merge(unaudited),
      bar: 'slowdown <= 1.15x',
    },
  ];
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
