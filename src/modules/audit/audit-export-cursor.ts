import { sql, type RawBuilder } from 'kysely';
import type { Tx } from '../../platform/db/transactions.js';
import { ENTRY_COLUMNS, entriesFrom } from './audit-entry-query.js';

/** Rows per FETCH: what an export holds in memory at once, beside the socket's buffers. */
export const EXPORT_BATCH = 1000;

/**
 * Opens the export's cursor in `tx` over the entries matching `conditions`, oldest first. It
 * reads one snapshot, and lives until the transaction ends (commit, rollback, or a lost client).
 */
export async function declareExportCursor(
  tx: Tx,
  conditions: readonly RawBuilder<unknown>[],
): Promise<void> {
  await sql`declare audit_export no scroll cursor for
    select ${ENTRY_COLUMNS} ${entriesFrom(conditions)}
    order by e.created_at, e.id`.execute(tx);
}

/** The cursor's next batch; empty once every entry was read. */
export async function fetchExportBatch(tx: Tx): Promise<Record<string, unknown>[]> {
  const { rows } = await sql<Record<string, unknown>>`
    fetch ${sql.raw(String(EXPORT_BATCH))} from audit_export`.execute(tx);
  return rows;
}
