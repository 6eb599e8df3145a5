import { AppError } from '../platform/errors.js';
import type { RecordRow } from '../platform/records/record-table.js';
import {
  movesOf,
  type Move,
  type Rule,
  type TransitionFacts,
  type WorkflowDefinition,
} from './definition.js';

export interface TransitionRequest {
  targetState: string;
  comments?: string | null | undefined;
  metadata?: Record<string, unknown> | undefined;
}

export interface Warning {
  code: string;
  message: string;
}

export type Decision<Facts> =
  | {
      ok: true;
      move: Move<Facts>;
      /** Fields the transition writes besides `status`. */
      changes: RecordRow;
      warnings: Warning[];
    }
  | { ok: false; error: AppError; deniedPermission?: string };

/** The rule every transition marked `commentsRequired` adds before its own. */
export const COMMENTS_REQUIRED: Rule<unknown> = {
  code: 'COMMENTS_REQUIRED',
  description: 'comments are required',
  judgesInput: true,
  holds: ({ comments }) => Boolean(comments?.trim()),
};

/** The rules of a move, comments first. */
export function rulesOf<Facts>(move: Move<Facts>): readonly Rule<Facts>[] {
  const own = move.definition.rules ?? [];
  return move.definition.commentsRequired ? [COMMENTS_REQUIRED, ...own] : own;
}

/**
 * Decides one transition without writing anything (SPEC §6 order): the move must exist, the
 * caller must hold its permission, then every rule must hold. Bulk transitions call this per
 * record and write the accepted ones together.
 */
export function decideTransition<Facts>(
  workflow: WorkflowDefinition<Facts>,
  input: TransitionFacts<Facts>,
  targetState: string,
  permissions: ReadonlySet<string>,
): Decision<Facts> {
  const from = input.record.status;
  const move = movesOf(workflow).find((m) => m.from === from && m.to === targetState);
  if (!move) {
    return {
      ok: false,
      error: new AppError('INVALID_STATE_TRANSITION', {
        message: `A ${workflow.table.entityName.toLowerCase()} cannot go from ${from} to ${targetState}`,
        details: {
          from_state: from,
          to_state: targetState,
          allowed_targets: movesOf(workflow)
            .filter((m) => m.from === from)
            .map((m) => m.to),
        },
      }),
    };
  }
  const { permission } = move.definition;
  if (!permissions.has(permission)) {
    return {
      ok: false,
      deniedPermission: permission,
      error: new AppError('PERMISSION_DENIED', { details: { required_permission: permission } }),
    };
  }
  const broken = rulesOf(move).find((rule) => !rule.holds(input));
  if (broken) {
    return {
      ok: false,
      error: new AppError('BUSINESS_RULE_VIOLATION', {
        message: `Rule ${broken.code}: ${broken.description}`,
        details: { rule: broken.code, from_state: from, to_state: targetState },
      }),
    };
  }
  const changes = move.definition.changes?.(input) ?? {};
  const next = { ...input.record, ...changes, status: targetState };
  const warnings = [...(workflow.warnings ?? []), ...(move.definition.warnings ?? [])].flatMap(
    (check) => {
      const message = check.message(input, next);
      return message === null ? [] : [{ code: check.code, message }];
    },
  );
  return { ok: true, move, changes, warnings };
}

export interface AvailableTransition {
  to_state: string;
  name: string | null;
  permission: string;
  comments_required: boolean;
  /** What the caller must send for the rules that judge input (comments, metadata). */
  input_rules: string[];
  allowed: boolean;
  reasons: Warning[];
}

/**
 * The transitions from the record's current state and, for this caller, whether each is allowed
 * now and why not. Rules that judge the request's input are listed, not judged.
 */
export function availableTransitions<Facts>(
  workflow: WorkflowDefinition<Facts>,
  input: TransitionFacts<Facts>,
  permissions: ReadonlySet<string>,
): AvailableTransition[] {
  return movesOf(workflow)
    .filter((move) => move.from === input.record.status)
    .map((move) => {
      const { permission } = move.definition;
      const rules = rulesOf(move);
      const reasons: Warning[] = [];
      if (!permissions.has(permission)) {
        reasons.push({ code: 'PERMISSION_DENIED', message: `requires ${permission}` });
      }
      for (const rule of rules) {
        if (!rule.judgesInput && !rule.holds(input)) {
          reasons.push({ code: rule.code, message: rule.description });
        }
      }
      return {
        to_state: move.to,
        name: move.definition.name ?? null,
        permission,
        comments_required: move.definition.commentsRequired ?? false,
        input_rules: rules.filter((rule) => rule.judgesInput).map((rule) => rule.code),
        allowed: reasons.length === 0,
        reasons,
      };
    });
}
