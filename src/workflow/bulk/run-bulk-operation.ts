import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { changedFields, recordAudit, type AuditEvent } from '../../platform/audit/record-audit.js';
import { auditDenials, type Denial } from '../../platform/auth/permissions.js';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx, type Tx } from '../../platform/db/transactions.js';
import { updateVersionedSet } from '../../platform/db/versioned-set-update.js';
import type { VersionedTable } from '../../platform/db/versioned-update.js';
import { AppError } from '../../platform/errors.js';
import {
  claimIdempotencyKey,
  requestHash,
  storedResponse,
  storeIdempotentResponse,
  type IdempotentRequest,
} from '../../platform/idempotency/idempotency-keys.js';
import type { RecordRow } from '../../platform/records/record-table.js';
import { assertReferencesExist } from '../../platform/records/references.js';
import { stateChangedEvent } from '../apply-transition.js';
import { rulesOf } from '../decide.js';
import { movesOf, type WorkflowDefinition } from '../definition.js';
import { assertMetadataFits } from '../metadata.js';
import { loadTransitionFacts } from '../transition-record.js';
import { assertValidIds, normaliseIds, type BulkChange, type BulkRequest } from './bulk-request.js';
import { bulkReport, type BulkReport } from './bulk-report.js';
import { decideBulk, type Verdict } from './decide-bulk.js';

/** One bulk endpoint: which records, and what it does to each. */
export interface BulkOperation<Facts> {
  /** `work_order.approve`: the report's and the BULK_OPERATION entry's `operation_type`. */
  type: string;
  workflow: WorkflowDefinition<Facts>;
  change: BulkChange;
}

export interface BulkResult {
  report: BulkReport;
  /** The response body as sent the first time: a replay sends these bytes again. */
  body: string;
  replayed: boolean;
}

/**
 * Runs a bulk request (SPEC §8) in a bounded number of statements, whatever its size: the records
 * are read and locked in one, decided in memory, the passing ones written in one guarded by
 * state and version, and every audit entry inserted in one. A dry run only reads.
 */
export async function runBulkOperation<Facts>(
  ctx: RequestContext,
  operation: BulkOperation<Facts>,
  given: BulkRequest,
  idempotencyKey: string | null,
): Promise<BulkResult> {
  const started = performance.now();
  const request = normaliseIds(given);
  assertValidIds(request);
  assertMetadataFits(request.metadata);
  const owner = { tenantId: ctx.tenantId, actorId: ctx.actorId };
  // What the request does, as the key remembers it: the same key for anything else is 422.
  const idempotency: IdempotentRequest | null = idempotencyKey
    ? {
        key: idempotencyKey,
        requestHash: requestHash({ type: operation.type, change: operation.change, request }),
      }
    : null;

  if (request.dryRun) {
    return withTenantTx(ctx, async (tx) => {
      // Reads the key without taking it: a dry run writes nothing.
      const stored = idempotency && (await storedResponse(tx, owner, idempotency));
      if (stored?.kind === 'replay') return replay(stored.response);
      const verdicts = await decide(tx, ctx, operation, request, false);
      const report = reportOf(operation, verdicts, request, { applied: null, correlationId: null });
      return { report, body: JSON.stringify(report), replayed: false };
    });
  }

  // Denials are audited even when the request rolls back or fails: they are attempts, not changes.
  let denials: Denial[] = [];
  const result = await withTenantTx(ctx, async (tx): Promise<BulkResult> => {
    if (idempotency) {
      const claim = await claimIdempotencyKey(tx, owner, idempotency);
      if (claim.kind === 'replay') return replay(claim.response);
    }
    let verdicts = await decide(tx, ctx, operation, request, true);
    denials = deniedIn(operation, verdicts);
    const write = await writePassing(tx, ctx, operation, request, verdicts);
    verdicts = write.verdicts;
    const report = reportOf(operation, verdicts, request, {
      applied: write.applied,
      correlationId: ctx.correlationId,
    });
    await recordAudit(
      tx,
      ctx,
      ...write.events,
      bulkOperationEvent(operation, request, report, performance.now() - started),
    );
    const body = JSON.stringify(report);
    if (idempotency) await storeIdempotentResponse(tx, owner, idempotency.key, body);
    return { report, body, replayed: false };
  }).catch(async (error: unknown) => {
    await auditDenials(ctx, denials).catch(() => {});
    throw error;
  });
  await auditDenials(ctx, denials);
  return result;
}

function replay(response: string): BulkResult {
  return { report: JSON.parse(response) as BulkReport, body: response, replayed: true };
}

/** Reads (and, to write, locks) the records in one statement and decides each in memory. */
async function decide<Facts>(
  tx: Tx,
  ctx: RequestContext,
  operation: BulkOperation<Facts>,
  request: BulkRequest,
  lock: boolean,
): Promise<Verdict<Facts>[]> {
  const { workflow, change } = operation;
  // As a PATCH answers: a caller without the permission learns nothing about the records the
  // values name (every record fails PERMISSION_DENIED below).
  if (change.kind === 'update' && change.permissions.every((held) => ctx.permissions.has(held))) {
    await assertReferencesExist(tx, ctx.tenantId, change.references ?? []);
  }
  const candidates = await loadTransitionFacts(tx, ctx, workflow, request.ids, request, {
    lock,
    collections: collectionsRead(workflow, change),
    facts: change.kind === 'transition',
  });
  return decideBulk(ctx, workflow, operation.change, request, candidates);
}

/** The sub-collections the rules of a transition's moves read; none for a field update. */
function collectionsRead<Facts>(workflow: WorkflowDefinition<Facts>, change: BulkChange): string[] {
  if (change.kind !== 'transition') return [];
  const moves = movesOf(workflow).filter((move) => move.to === change.targetState);
  return [...new Set(moves.flatMap((move) => rulesOf(move).flatMap((rule) => rule.reads ?? [])))];
}

/**
 * Writes every passing record in one statement, unless all-or-nothing and something failed.
 * A record that changed since it was read (it cannot while locked; the guard stays as the
 * contract) fails with CONCURRENCY_ERROR, and in all-or-nothing mode undoes the rest.
 */
async function writePassing<Facts>(
  tx: Tx,
  ctx: RequestContext,
  operation: BulkOperation<Facts>,
  request: BulkRequest,
  decided: Verdict<Facts>[],
): Promise<{ verdicts: Verdict<Facts>[]; applied: Set<string>; events: AuditEvent[] }> {
  const passing = decided.filter((verdict) => verdict.ok);
  const nothing = { verdicts: decided, applied: new Set<string>(), events: [] };
  if (passing.length === 0 || (request.rollbackOnError && passing.length < decided.length)) {
    return nothing;
  }
  const { workflow, change } = operation;
  const columns = [...new Set(passing.flatMap((verdict) => Object.keys(verdict.values)))];
  if (request.rollbackOnError) await sql`savepoint bulk_changes`.execute(tx);
  const rows = await updateVersionedSet(tx, {
    table: workflow.table.table as VersionedTable,
    tenantId: ctx.tenantId,
    actorId: ctx.actorId,
    columns,
    frozen: workflow.table.frozen?.condition,
    alsoSet: change.kind === 'transition' ? [sql`status_changed_at = now()`] : [],
    // A STATE_CHANGED entry is built from the record as read; an UPDATED one from the rows.
    withRows: change.kind === 'update',
    changes: passing.map((verdict) => ({
      id: verdict.id,
      version: verdict.record.version,
      ...(change.kind === 'transition' ? { status: verdict.record.status } : {}),
      // Columns another record's change sets keep this record's value.
      values: Object.fromEntries(
        columns.map((column) => [
          column,
          column in verdict.values ? verdict.values[column] : verdict.record[column],
        ]),
      ),
    })),
  });
  const written = new Map(rows.map((row) => [row.id, row]));
  const verdicts = decided.map((verdict): Verdict<Facts> =>
    !verdict.ok || written.has(verdict.id)
      ? verdict
      : { id: verdict.id, ok: false, error: new AppError('CONCURRENCY_ERROR') },
  );
  if (written.size < passing.length && request.rollbackOnError) {
    await sql`rollback to savepoint bulk_changes`.execute(tx);
    return { ...nothing, verdicts };
  }
  const events = verdicts.flatMap((verdict): AuditEvent[] => {
    const row = written.get(verdict.id);
    if (!verdict.ok || !row) return [];
    if (verdict.decision)
      return [stateChangedEvent(workflow, verdict.record, verdict.decision, request)];
    return [
      {
        eventType: 'UPDATED',
        entityType: workflow.entity,
        entityId: verdict.id,
        changes: changedFields(row.before!, row.after!, Object.keys(verdict.values)),
        metadata: { version: row.after!.version },
      },
    ];
  });
  return { verdicts, applied: new Set(written.keys()), events };
}

function reportOf<Facts>(
  operation: BulkOperation<Facts>,
  verdicts: readonly Verdict<Facts>[],
  request: BulkRequest,
  written: { applied: ReadonlySet<string> | null; correlationId: string | null },
): BulkReport {
  const passing = verdicts.filter((verdict) => verdict.ok).map((verdict) => verdict.id);
  // All-or-nothing: one failure and the request as a whole changes nothing.
  const wasRolledBack = request.rollbackOnError && passing.length < verdicts.length;
  // A dry run reports what would have been written.
  const changed = written.applied ?? new Set(wasRolledBack ? [] : passing);
  return bulkReport({
    operationType: operation.type,
    verdicts,
    changed,
    wasRolledBack,
    dryRun: request.dryRun,
    correlationId: written.correlationId,
  });
}

/** One PERMISSION_DENIED entry per permission the caller lacked, naming how many records. */
function deniedIn<Facts>(
  operation: BulkOperation<Facts>,
  verdicts: readonly Verdict<Facts>[],
): Denial[] {
  const counts = new Map<string, number>();
  for (const verdict of verdicts) {
    if (!verdict.ok && verdict.deniedPermission) {
      counts.set(verdict.deniedPermission, (counts.get(verdict.deniedPermission) ?? 0) + 1);
    }
  }
  return [...counts].map(([permission, count]) => ({
    permission,
    actionAttempted: `bulk ${operation.type} of ${count} ${operation.workflow.entity} record(s)`,
    entity: { type: operation.workflow.entity, id: null },
  }));
}

function bulkOperationEvent<Facts>(
  operation: BulkOperation<Facts>,
  request: BulkRequest,
  report: BulkReport,
  elapsedMs: number,
): AuditEvent {
  const { change } = operation;
  const failureDetails = Object.fromEntries(
    report.failed_ids.map((id) => [
      id,
      `${report.failure_codes[id]}: ${report.failure_details[id]}`,
    ]),
  );
  return {
    eventType: 'BULK_OPERATION',
    entityType: operation.workflow.entity,
    entityId: null,
    metadata: {
      ...(change.kind === 'transition' ? { target_state: change.targetState } : {}),
      ...(change.kind === 'update' ? { fields: Object.keys(change.set) } : {}),
      rollback_on_error: request.rollbackOnError,
      ...(request.metadata ? { request: request.metadata } : {}),
    } satisfies RecordRow,
    bulkOperation: {
      operationType: operation.type,
      totalItems: report.total_items,
      successfulItems: report.successful_items,
      failedItems: report.failed_items,
      failureDetails,
      executionTimeMs: Math.round(elapsedMs),
      wasRolledBack: report.was_rolled_back,
    },
  };
}
