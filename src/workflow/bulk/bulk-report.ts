import type { AppError } from '../../platform/errors.js';
import type { Verdict } from './decide-bulk.js';

type Passed<Facts> = Extract<Verdict<Facts>, { ok: true }>;
type Failed<Facts> = Extract<Verdict<Facts>, { ok: false }>;

/** The response of every bulk endpoint (SPEC §8). */
export interface BulkReport {
  operation_type: string;
  total_items: number;
  successful_items: number;
  failed_items: number;
  /** 0–100, two decimals. */
  success_rate: number;
  /** Committed, or that would commit on a dry run. */
  successful_ids: string[];
  failed_ids: string[];
  failure_details: Record<string, string>;
  failure_codes: Record<string, string>;
  warnings: { id: string; code: string; message: string }[];
  was_rolled_back: boolean;
  rollback_reason: string | null;
  /** Records that passed every check but were left unchanged because others failed. */
  rolled_back_ids: string[];
  dry_run: boolean;
  audit_correlation_id: string | null;
}

export interface Outcome<Facts> {
  operationType: string;
  verdicts: readonly Verdict<Facts>[];
  /** The ids that changed (or would, on a dry run). */
  changed: ReadonlySet<string>;
  wasRolledBack: boolean;
  dryRun: boolean;
  correlationId: string | null;
}

/** The per-record report of a bulk request, in the order of its ids. */
export function bulkReport<Facts>(outcome: Outcome<Facts>): BulkReport {
  const { verdicts, changed } = outcome;
  const failures = verdicts.filter((verdict): verdict is Failed<Facts> => !verdict.ok);
  const successful = verdicts.filter(
    (verdict): verdict is Passed<Facts> => verdict.ok && changed.has(verdict.id),
  );
  const rolledBack = outcome.wasRolledBack
    ? verdicts.filter((verdict) => verdict.ok).map((verdict) => verdict.id)
    : [];
  const total = verdicts.length;
  return {
    operation_type: outcome.operationType,
    total_items: total,
    successful_items: successful.length,
    failed_items: failures.length,
    success_rate: Math.round((successful.length / total) * 10_000) / 100,
    successful_ids: successful.map((verdict) => verdict.id),
    failed_ids: failures.map((verdict) => verdict.id),
    failure_details: Object.fromEntries(
      failures.map((verdict) => [verdict.id, failureMessage(verdict.error)]),
    ),
    failure_codes: Object.fromEntries(failures.map((verdict) => [verdict.id, verdict.error.code])),
    warnings: successful.flatMap((verdict) =>
      verdict.warnings.map((warning) => ({ id: verdict.id, ...warning })),
    ),
    was_rolled_back: outcome.wasRolledBack,
    rollback_reason: outcome.wasRolledBack
      ? `${failures.length} of ${total} records failed, so ${
          outcome.dryRun ? 'none would change' : 'none was changed'
        } (rollback_on_error)`
      : null,
    rolled_back_ids: rolledBack,
    dry_run: outcome.dryRun,
    audit_correlation_id: outcome.correlationId,
  };
}

/** The error's message, with what the caller needs to act on it (the versions, the rule). */
function failureMessage(error: AppError): string {
  const current = error.fields?.current_version;
  if (current !== undefined) {
    return `${error.message} (current version ${String(current)}, yours ${String(error.fields?.your_version)})`;
  }
  const required = error.details?.required_permission;
  if (typeof required === 'string') return `${error.message}: requires ${required}`;
  return error.message;
}
