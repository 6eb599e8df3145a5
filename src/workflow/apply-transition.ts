import { sql } from 'kysely';
import { changedFields, recordAudit } from '../platform/audit/record-audit.js';
import type { RequestContext } from '../platform/context.js';
import type { Tx } from '../platform/db/transactions.js';
import { updateVersioned, type VersionedTable } from '../platform/db/versioned-update.js';
import type { ExpectedVersion } from '../platform/optimistic-lock.js';
import type { RecordRow } from '../platform/records/record-table.js';
import { recordColumns } from '../platform/records/read-records.js';
import { toColumns } from '../platform/records/write-records.js';
import type { Decision, TransitionRequest } from './decide.js';
import type { WorkflowDefinition } from './definition.js';

export interface AppliedTransition {
  /** The record after the transition, as reads return it. */
  record: RecordRow;
  transition: { from_state: string; to_state: string; at: string };
}

/**
 * Writes one accepted transition: a single UPDATE guarded by the from-state and the version the
 * decision was taken on, then its STATE_CHANGED entry, in the caller's transaction. A record that
 * moved on meanwhile fails the guard with CONCURRENCY_ERROR.
 */
export async function applyTransition<Facts>(
  tx: Tx,
  ctx: RequestContext,
  workflow: WorkflowDefinition<Facts>,
  id: string,
  decision: Extract<Decision<Facts>, { ok: true }>,
  request: TransitionRequest,
  expected: ExpectedVersion,
): Promise<AppliedTransition> {
  const { from, to } = decision.move;
  const set: RecordRow = Object.fromEntries(toColumns(workflow.table, decision.changes));
  const { before, after, record } = await updateVersioned(tx, {
    table: workflow.table.table as VersionedTable,
    tenantId: ctx.tenantId,
    id,
    expected,
    set: { ...set, status: to, status_changed_at: sql`now()` } as RecordRow,
    actorId: ctx.actorId,
    entityName: workflow.table.entityName,
    softDeleted: true,
    guard: sql<boolean>`status = ${from}`,
    returning: recordColumns(workflow.table),
  });
  const at = String(after.status_changed_at);
  const secondsInState =
    (new Date(at).getTime() - new Date(String(before.status_changed_at)).getTime()) / 1000;
  const comments = request.comments?.trim() || null;
  await recordAudit(tx, ctx, {
    eventType: 'STATE_CHANGED',
    entityType: workflow.entity,
    entityId: id,
    changes: changedFields(before, after, ['status', ...Object.keys(decision.changes)]),
    metadata: {
      ...(request.metadata ?? {}),
      version: after.version,
      ...(decision.warnings.length > 0 ? { warnings: decision.warnings.map((w) => w.code) } : {}),
    },
    stateTransition: {
      fromState: from,
      toState: to,
      transitionReason: comments,
      transitionDurationSeconds: Math.max(0, secondsInState),
    },
  });
  return {
    record,
    transition: { from_state: from, to_state: to, at: new Date(at).toISOString() },
  };
}
