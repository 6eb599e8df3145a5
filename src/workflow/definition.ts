import type { RequestContext } from '../platform/context.js';
import type { Tx } from '../platform/db/transactions.js';
import type { RecordRow, RecordTable } from '../platform/records/record-table.js';

/** A record as the engine sees it: its stored fields, `status` and `version` among them. */
export type WorkflowRecord = RecordRow & { id: string; status: string; version: number };

/** What a rule, a warning or a hook may look at: all of it loaded before deciding. */
export interface TransitionFacts<Facts> {
  record: WorkflowRecord;
  /** What the definition loaded beside the record (its site, its line items, the tenant). */
  facts: Facts;
  comments: string | null;
  metadata: Readonly<Record<string, unknown>>;
  now: Date;
}

/** A business rule: a pure check; when it does not hold, the transition fails with `code`. */
export interface Rule<Facts> {
  code: string;
  description: string;
  /** The rule judges what the caller sends (comments, metadata): a preview cannot judge it. */
  judgesInput?: boolean;
  /** The record's sub-collections it reads (`line_items`): a bulk change reads only these. */
  reads?: readonly string[];
  holds(input: TransitionFacts<Facts>): boolean;
}

/** Something the caller should know, returned with a transition that still goes ahead. */
export interface WarningCheck<Facts> {
  code: string;
  description: string;
  /** The message when the warning applies, else null; `next` is the record as it will be. */
  message(input: TransitionFacts<Facts>, next: WorkflowRecord): string | null;
}

export interface TransitionDefinition<Facts> {
  from: readonly string[];
  to: string;
  /** A name where the move has one: `reject`, `reopen`, `resubmit`, `reassign`. */
  name?: string;
  permission: string;
  commentsRequired?: boolean;
  rules?: readonly Rule<Facts>[];
  warnings?: readonly WarningCheck<Facts>[];
  /**
   * Hook: the fields beyond `status` this transition writes (a start time, corrected punch times).
   * May throw a 400 for malformed metadata.
   */
  changes?(input: TransitionFacts<Facts>): RecordRow;
}

/** One entity's state machine (SPEC §6): the engine allows nothing this does not list. */
export interface WorkflowDefinition<Facts = unknown> {
  /** The entity type, as in audit entries: `work_order`. */
  entity: string;
  /** The record path segment: `work-orders`. */
  path: string;
  table: RecordTable;
  states: readonly string[];
  initial: string;
  transitions: readonly TransitionDefinition<Facts>[];
  /** Checked on every transition of the entity. */
  warnings?: readonly WarningCheck<Facts>[];
  /** Loads the facts its rules need, for many records at once (bulk transitions). */
  loadFacts(tx: Tx, ctx: RequestContext, records: readonly WorkflowRecord[]): Promise<Facts[]>;
}

/** A transition from one state, as the engine matches it. */
export interface Move<Facts> {
  from: string;
  to: string;
  definition: TransitionDefinition<Facts>;
}

const moves = new WeakMap<object, readonly object[]>();

/** Every allowed (from, to) pair of a definition (worked out once per definition). */
export function movesOf<Facts>(workflow: WorkflowDefinition<Facts>): readonly Move<Facts>[] {
  let known = moves.get(workflow) as readonly Move<Facts>[] | undefined;
  if (!known) {
    known = workflow.transitions.flatMap((definition) =>
      definition.from.map((from) => ({ from, to: definition.to, definition })),
    );
    moves.set(workflow, known);
  }
  return known;
}

/** States no transition leaves. */
export function terminalStates(workflow: WorkflowDefinition<unknown>): string[] {
  const left = new Set(workflow.transitions.flatMap((t) => t.from));
  return workflow.states.filter((state) => !left.has(state));
}

/** For definitions whose rules need nothing beyond the record. */
export const noFacts = async (_tx: Tx, _ctx: RequestContext, records: readonly WorkflowRecord[]) =>
  records.map(() => undefined);
