import { AppError } from '../errors.js';

/**
 * An audit entry that could not be written: the request fails (500, its change rolled back with
 * it) and the one error handler counts it in `facilityflow_audit_write_failures_total`.
 */
export class AuditWriteError extends Error {
  constructor(cause: unknown) {
    super('An audit entry could not be written', { cause });
    this.name = 'AuditWriteError';
  }
}

/**
 * SQLSTATE classes a statement that also changes a record fails with on the record's account:
 * its values (22 data, 23 constraints: the 400s and 409s of the error handler), a lost race
 * (40 serialization, deadlock) or a cancelled statement (57).
 */
const RECORD_FAILURE_CLASSES = new Set(['22', '23', '40', '57']);

/**
 * For a statement that writes audit entries, alone or with the change they record (a
 * transition): its failure as an AuditWriteError when the audit insert is what failed, as far as
 * the database's error tells: an error naming an audit table, or one of no record-side class (a
 * trigger's exception, a privilege refused). Anything else, bad input among it, is passed on
 * unchanged, so the error handler answers it as before (400, 409).
 */
export function asAuditWriteFailure(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const { code, table } = (error ?? {}) as { code?: unknown; table?: unknown };
  if (typeof code !== 'string' || code.length !== 5) return error;
  if (typeof table === 'string')
    return table.startsWith('audit_') ? new AuditWriteError(error) : error;
  return RECORD_FAILURE_CLASSES.has(code.slice(0, 2)) ? error : new AuditWriteError(error);
}
