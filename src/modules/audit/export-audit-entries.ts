import { randomUUID } from 'node:crypto';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { recordAudit } from '../../platform/audit/record-audit.js';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { AppError } from '../../platform/errors.js';
import { filterConditions, givenFilters } from './audit-entry-query.js';
import { declareExportCursor, fetchExportBatch } from './audit-export-cursor.js';
import { EXPORT_TYPES, exportPreamble, formatEntries } from './export-formats.js';
import type { AuditExportQuery, ExportFormat } from './schemas.js';

export interface ExportLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface AuditExport {
  contentType: string;
  filename: string;
  body: Readable;
}

/** The client went away, or stopped reading: the export stops, and its transaction with it. */
class ExportAborted extends Error {}

/**
 * How long an export waits for a client that has stopped reading without going away: it holds a
 * connection and an open transaction (which also holds audit sealing back) while it waits.
 */
export const EXPORT_STALL_MS = 60_000;

/**
 * Up to `max` exports streaming at once: each holds a pool connection and an open transaction
 * for as long as its client reads, so slow readers must not take every connection. `take`
 * answers 429 (after `onRefusal`) when none is free, else gives the function that frees the slot
 * (once).
 */
export function exportSlots(max: number): { take(onRefusal: () => void): () => void } {
  let taken = 0;
  return {
    take(onRefusal) {
      if (taken >= max) {
        onRefusal();
        throw new AppError('RATE_LIMITED', {
          message: `${max} audit export(s) are already streaming here; retry shortly`,
          details: { retry_after_seconds: EXPORT_RETRY_SECONDS },
        });
      }
      taken += 1;
      let freed = false;
      return () => {
        if (!freed) taken -= 1;
        freed = true;
      };
    },
  };
}

/** What a refused export is told to wait. */
export const EXPORT_RETRY_SECONDS = 5;

/**
 * Every entry matching the filters, oldest first (SPEC §7), as a stream. The export is audited
 * first, in a transaction of its own; then one tenant transaction reads the entries through a
 * database cursor, so they are one snapshot under row-level security, and writes each batch
 * only once the client has taken the last (backpressure), so memory stays constant at any
 * volume. Until the cursor is open, errors are thrown (the error envelope); after, the stream
 * is destroyed and the error logged. A client that disconnects ends the transaction.
 */
export async function exportAuditEntries(
  ctx: RequestContext,
  query: AuditExportQuery,
  log: ExportLog,
  stallMs = EXPORT_STALL_MS,
): Promise<AuditExport> {
  const { format = 'ndjson', ...filters } = query;
  const conditions = filterConditions(ctx.tenantId, filters);
  await withTenantTx(ctx, (tx) =>
    recordAudit(tx, ctx, {
      eventType: 'CREATED',
      entityType: 'audit_export',
      entityId: randomUUID(),
      metadata: { format, filters: givenFilters(filters) },
    }),
  );

  const body = new PassThrough();
  let opened!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const finished = withTenantTx(ctx, async (tx) => {
    await declareExportCursor(tx, conditions);
    opened();
    await writeChunk(body, exportPreamble(format), stallMs);
    for (;;) {
      const rows = await fetchExportBatch(tx);
      if (rows.length === 0) break;
      await writeChunk(body, formatEntries(format, rows), stallMs);
    }
  });
  try {
    await Promise.race([open, finished]);
  } catch (error) {
    body.destroy();
    throw error;
  }
  finished.then(
    () => body.end(),
    (error: unknown) => {
      if (error instanceof ExportAborted) {
        log.info({ format, reason: error.message }, 'audit export ended by the client');
        body.destroy();
        return;
      }
      log.error({ err: error, format }, 'audit export failed while streaming');
      body.destroy(error instanceof Error ? error : new Error(String(error)));
    },
  );
  return { ...describe(format), body };
}

/** `audit-log-20240101T120000Z.csv` */
function describe(format: ExportFormat): Omit<AuditExport, 'body'> {
  const { contentType, extension } = EXPORT_TYPES[format];
  const stamp = new Date()
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
  return { contentType, filename: `audit-log-${stamp}.${extension}` };
}

/**
 * Writes `chunk`, then waits until the stream wants more; rejects if the stream is closed, or
 * has not wanted more for `stallMs`.
 */
function writeChunk(stream: Writable, chunk: string, stallMs: number): Promise<void> {
  if (stream.destroyed) return Promise.reject(new ExportAborted('closed'));
  if (chunk === '' || stream.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (error?: ExportAborted) => {
      clearTimeout(timer);
      stream.off('drain', drained);
      stream.off('close', closed);
      if (error) reject(error);
      else resolve();
    };
    const drained = () => settle();
    const closed = () => settle(new ExportAborted('closed'));
    const timer = setTimeout(() => settle(new ExportAborted('stalled')), stallMs);
    stream.once('drain', drained);
    stream.once('close', closed);
  });
}
