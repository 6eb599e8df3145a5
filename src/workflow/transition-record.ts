import { denyPermission } from '../platform/auth/permissions.js';
import type { RequestContext } from '../platform/context.js';
import { withTenantTx, type Tx } from '../platform/db/transactions.js';
import { AppError, notFound } from '../platform/errors.js';
import { versionConflict, type ExpectedVersion } from '../platform/optimistic-lock.js';
import { findRecordsForChange } from '../platform/records/read-records.js';
import type { RecordRow } from '../platform/records/record-table.js';
import { applyTransition } from './apply-transition.js';
import { assertMetadataFits } from './metadata.js';
import {
  availableTransitions,
  decideTransition,
  type AvailableTransition,
  type TransitionRequest,
  type Warning,
} from './decide.js';
import type { TransitionFacts, WorkflowDefinition, WorkflowRecord } from './definition.js';

export interface TransitionResult {
  record: RecordRow;
  transition: { from_state: string; to_state: string; at: string };
  warnings: Warning[];
}

/** Attempts when the record moves on between reading and writing and no version was named. */
const ATTEMPTS = 3;

/** A record found for a change, with what its rules need, and whether it is frozen. */
export interface Candidate<Facts> {
  input: TransitionFacts<Facts>;
  frozen: boolean;
}

export interface LoadOptions {
  /** Lock the records for the rest of the transaction (a bulk change). */
  lock?: boolean;
  /** The sub-collections to embed; every one by default. */
  collections?: 'all' | readonly string[];
  /** Load the definition's facts (a field update needs none). */
  facts?: boolean;
}

/** Each record of `ids` that exists, with the facts its rules need, by id. */
export async function loadTransitionFacts<Facts>(
  tx: Tx,
  ctx: RequestContext,
  workflow: WorkflowDefinition<Facts>,
  ids: readonly string[],
  request: Omit<TransitionRequest, 'targetState'>,
  options: LoadOptions = {},
): Promise<Map<string, Candidate<Facts>>> {
  const found = await findRecordsForChange(tx, workflow.table, ctx.tenantId, ids, {
    lock: options.lock ?? false,
    collections: options.collections ?? 'all',
  });
  const records = found.map(({ record }) => record as WorkflowRecord);
  const facts =
    options.facts === false
      ? records.map(() => undefined as Facts)
      : await workflow.loadFacts(tx, ctx, records);
  const now = new Date();
  return new Map(
    found.map(({ frozen }, i) => [
      records[i]!.id,
      {
        frozen,
        input: {
          record: records[i]!,
          facts: facts[i]!,
          comments: request.comments ?? null,
          metadata: request.metadata ?? {},
          now,
        },
      },
    ]),
  );
}

/**
 * Moves one record to `request.targetState` (SPEC §6): decides on the record as read, then writes
 * with a guard on the state and version it read. Without a version from the caller, a record that
 * moved on meanwhile is read and decided again; with one, that is a 409/412.
 */
export async function transitionRecord<Facts>(
  ctx: RequestContext,
  workflow: WorkflowDefinition<Facts>,
  id: string,
  request: TransitionRequest,
  expected: ExpectedVersion | null,
): Promise<TransitionResult> {
  assertMetadataFits(request.metadata);
  type Outcome = TransitionResult | { deniedPermission: string; action: string };
  const outcome = await withTenantTx(ctx, async (tx): Promise<Outcome> => {
    for (let attempt = 1; ; attempt += 1) {
      const input = (await loadTransitionFacts(tx, ctx, workflow, [id], request)).get(id)?.input;
      if (!input) throw notFound(workflow.table.entityName);
      const decision = decideTransition(workflow, input, request.targetState, ctx.permissions);
      // The permission first (SPEC §6), then a stale version (the caller decided on a record
      // that has changed since), then whether the move exists and its rules hold.
      if (!decision.ok && decision.deniedPermission) {
        // Audited after this transaction, which has written nothing.
        const action = `${workflow.entity} ${id}: ${input.record.status} -> ${request.targetState}`;
        return { deniedPermission: decision.deniedPermission, action };
      }
      if (expected && input.record.version !== expected.version) {
        throw versionConflict(expected, input.record.version);
      }
      if (!decision.ok) throw decision.error;
      try {
        const applied = await applyTransition(tx, ctx, workflow, input.record, decision, request, {
          version: input.record.version,
          source: expected?.source ?? 'body',
        });
        return { ...applied, warnings: decision.warnings };
      } catch (error) {
        const movedOn = error instanceof AppError && error.code === 'CONCURRENCY_ERROR';
        if (!movedOn || expected || attempt === ATTEMPTS) throw error;
      }
    }
  });
  if ('deniedPermission' in outcome) {
    return denyPermission(ctx, outcome.deniedPermission, outcome.action, {
      type: workflow.entity,
      id,
    });
  }
  return outcome;
}

export interface TransitionOptions {
  current_state: string;
  version: number;
  transitions: AvailableTransition[];
}

/** What the caller may do with the record now, and why not. */
export async function listTransitionOptions<Facts>(
  ctx: RequestContext,
  workflow: WorkflowDefinition<Facts>,
  id: string,
): Promise<TransitionOptions> {
  const input = await withTenantTx(
    ctx,
    async (tx) => (await loadTransitionFacts(tx, ctx, workflow, [id], {})).get(id)?.input,
  );
  if (!input) throw notFound(workflow.table.entityName);
  return {
    current_state: input.record.status,
    version: input.record.version,
    transitions: availableTransitions(workflow, input, ctx.permissions),
  };
}
