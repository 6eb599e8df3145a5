import type { RequestContext } from '../../platform/context.js';
import { AppError, notFound } from '../../platform/errors.js';
import { versionConflict } from '../../platform/optimistic-lock.js';
import type { RecordRow } from '../../platform/records/record-table.js';
import { decideTransition, type Decision, type Warning } from '../decide.js';
import type { WorkflowDefinition, WorkflowRecord } from '../definition.js';
import type { Candidate } from '../transition-record.js';
import type { BulkChange, BulkRequest } from './bulk-request.js';

export type Verdict<Facts> =
  | {
      id: string;
      ok: true;
      record: WorkflowRecord;
      /** Column values to write; for a transition, its decision too. */
      values: RecordRow;
      decision?: Extract<Decision<Facts>, { ok: true }>;
      warnings: Warning[];
    }
  | { id: string; ok: false; error: AppError; deniedPermission?: string };

/**
 * Decides each record exactly as a single request would (SPEC §8), writing nothing. A transition:
 * not found, the move's permission, a stale version, then the move and its rules. A field
 * update, as PATCH: its permissions, not found, frozen, a stale version, then PATCH's checks.
 */
export function decideBulk<Facts>(
  ctx: Pick<RequestContext, 'permissions' | 'tenant'>,
  workflow: WorkflowDefinition<Facts>,
  change: BulkChange,
  request: BulkRequest,
  candidates: ReadonlyMap<string, Candidate<Facts>>,
): Verdict<Facts>[] {
  // A field update needs the same permissions whatever the record: as PATCH's route guard, they
  // are checked first, so a caller without them learns nothing about which ids exist.
  const missing =
    change.kind === 'update'
      ? change.permissions.find((permission) => !ctx.permissions.has(permission))
      : undefined;
  return request.ids.map((id): Verdict<Facts> => {
    if (missing) {
      return {
        id,
        ok: false,
        error: new AppError('PERMISSION_DENIED', { details: { required_permission: missing } }),
        deniedPermission: missing,
      };
    }
    const candidate = candidates.get(id);
    if (!candidate) return { id, ok: false, error: notFound(workflow.table.entityName) };
    const { record } = candidate.input;
    const fail = (error: AppError, deniedPermission?: string): Verdict<Facts> => ({
      id,
      ok: false,
      error,
      ...(deniedPermission ? { deniedPermission } : {}),
    });

    if (change.kind === 'transition') {
      let decision: Decision<Facts>;
      try {
        decision = decideTransition(workflow, candidate.input, change.targetState, ctx.permissions);
      } catch (error) {
        // A `changes` hook refusing this record's input (a corrected punch-out before its
        // punch-in) fails this record, not the request.
        if (error instanceof AppError) return fail(error);
        throw error;
      }
      if (!decision.ok && decision.deniedPermission) {
        return fail(decision.error, decision.deniedPermission);
      }
      const stale = staleVersion(ctx, request, record);
      if (stale) return fail(stale);
      if (!decision.ok) return fail(decision.error);
      const values = { ...decision.changes, status: change.targetState };
      return { id, ok: true, record, values, decision, warnings: decision.warnings };
    }

    // As a PATCH answers: a frozen record before a stale version.
    if (candidate.frozen) return fail(workflow.table.frozen!.error());
    const stale = staleVersion(ctx, request, record);
    if (stale) return fail(stale);
    try {
      change.validate?.(withIsoDates({ ...record, ...change.set }));
    } catch (error) {
      if (error instanceof AppError) return fail(error);
      throw error;
    }
    return { id, ok: true, record, values: change.set, warnings: [] };
  });
}

/** The version the caller named for the record, when the record is no longer at it. */
function staleVersion(
  ctx: Pick<RequestContext, 'tenant'>,
  request: BulkRequest,
  record: WorkflowRecord,
): AppError | null {
  const version = request.versions?.[record.id];
  if (version === undefined) {
    return ctx.tenant.requireIfMatch
      ? new AppError('PRECONDITION_REQUIRED', {
          message: 'This tenant requires a version for every record: name it in versions',
        })
      : null;
  }
  return version === record.version
    ? null
    : versionConflict({ version, source: 'body' }, record.version);
}

/** Dates as the ISO text a request carries, for checks written for request input. */
function withIsoDates(record: RecordRow): RecordRow {
  return Object.fromEntries(
    Object.entries(record).map(([field, value]) => [
      field,
      value instanceof Date ? value.toISOString() : value,
    ]),
  );
}
