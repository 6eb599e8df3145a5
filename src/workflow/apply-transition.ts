import { sql } from 'kysely';
import { asAuditWriteFailure } from '../platform/audit/audit-write-error.js';
import {
  auditInserts,
  changedFields,
  noteAuditedChanges,
  type AuditEvent,
} from '../platform/audit/record-audit.js';
import type { RequestContext } from '../platform/context.js';
import type { Tx } from '../platform/db/transactions.js';
import {
  UPDATED_ROW,
  updateVersioned,
  type VersionedTable,
} from '../platform/db/versioned-update.js';
import type { ExpectedVersion } from '../platform/optimistic-lock.js';
import { recordColumns } from '../platform/records/read-records.js';
import type { RecordRow } from '../platform/records/record-table.js';
import { toColumns } from '../platform/records/write-records.js';
import type { Decision, TransitionRequest } from './decide.js';
import type { WorkflowDefinition, WorkflowRecord } from './definition.js';

/**
 * The STATE_CHANGED entry of an accepted transition of `record` (as read when deciding): the same
 * for a single transition and for each record of a bulk one.
 */
export function stateChangedEvent<Facts>(
  workflow: WorkflowDefinition<Facts>,
  record: WorkflowRecord,
  decision: Extract<Decision<Facts>, { ok: true }>,
  request: Omit<TransitionRequest, 'targetState'>,
): AuditEvent {
  const { from, to } = decision.move;
  const inState = Date.now() - new Date(record.status_changed_at as string).getTime();
  return {
    eventType: 'STATE_CHANGED',
    entityType: workflow.entity,
    entityId: record.id,
    changes: changedFields(record, { ...decision.changes, status: to }, [
      'status',
      ...Object.keys(decision.changes),
    ]),
    metadata: {
      version: record.version + 1,
      ...(decision.warnings.length > 0 ? { warnings: decision.warnings.map((w) => w.code) } : {}),
      ...(request.metadata ? { request: request.metadata } : {}),
    },
    stateTransition: {
      fromState: from,
      toState: to,
      transitionReason: request.comments?.trim() || null,
      transitionDurationSeconds: Math.max(0, inState / 1000),
    },
  };
}

export interface AppliedTransition {
  /** The record after the transition, as reads return it. */
  record: RecordRow;
  transition: { from_state: string; to_state: string; at: string };
}

/**
 * Writes one accepted transition of `record` (as read when deciding) in one statement: an UPDATE
 * guarded by the from-state and the version decided on, and its STATE_CHANGED entry, inserted
 * only if the UPDATE matched. A record that moved on meanwhile fails with CONCURRENCY_ERROR.
 */
export async function applyTransition<Facts>(
  tx: Tx,
  ctx: RequestContext,
  workflow: WorkflowDefinition<Facts>,
  record: WorkflowRecord,
  decision: Extract<Decision<Facts>, { ok: true }>,
  request: TransitionRequest,
  expected: ExpectedVersion,
): Promise<AppliedTransition> {
  const { from, to } = decision.move;
  const events = [stateChangedEvent(workflow, record, decision, request)];
  const audit = auditInserts(ctx, events, UPDATED_ROW);
  const set = Object.fromEntries(toColumns(workflow.table, decision.changes));
  const { after, record: updated } = await updateVersioned(tx, {
    table: workflow.table.table as VersionedTable,
    tenantId: ctx.tenantId,
    id: record.id,
    expected,
    set: { ...set, status: to, status_changed_at: sql`now()` } as RecordRow,
    actorId: ctx.actorId,
    entityName: workflow.table.entityName,
    softDeleted: true,
    guard: sql<boolean>`status = ${from}`,
    returning: recordColumns(workflow.table),
    also: audit.ctes,
  }).catch((error: unknown) => {
    throw asAuditWriteFailure(error);
  });
  noteAuditedChanges(tx, ctx, events);
  return {
    record: updated,
    transition: {
      from_state: from,
      to_state: to,
      at: new Date(after.status_changed_at as string).toISOString(),
    },
  };
}
