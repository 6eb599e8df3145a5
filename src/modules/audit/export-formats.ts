import { AuditEntrySchema, type AuditEntry, type ExportFormat } from './schemas.js';

/**
 * How exported entries are written. NDJSON: one entry per line, shaped as the list returns it.
 * CSV (RFC 4180): a header row, fixed columns, nested values as JSON text, CRLF line ends, and
 * cells a spreadsheet would run as a formula prefixed with `'`.
 */
/** The columns: an entry's fields, in the order the list returns them. */
export const CSV_COLUMNS = Object.keys(AuditEntrySchema.properties) as (keyof AuditEntry)[];

export const EXPORT_TYPES: Record<ExportFormat, { contentType: string; extension: string }> = {
  ndjson: { contentType: 'application/x-ndjson', extension: 'ndjson' },
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv' },
};

/** What goes before the first entry. */
export function exportPreamble(format: ExportFormat): string {
  return format === 'csv' ? csvLine(CSV_COLUMNS) : '';
}

/** A batch of entry rows as the format's text. */
export function formatEntries(format: ExportFormat, rows: readonly Record<string, unknown>[]) {
  let text = '';
  if (format === 'ndjson') {
    for (const row of rows) text += `${JSON.stringify(row)}\n`;
  } else {
    for (const row of rows) text += csvLine(CSV_COLUMNS.map((column) => cellText(row[column])));
  }
  return text;
}

function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** OWASP's list: = + - @ start a formula; a leading tab or CR can hide one. */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV cell: defused if a spreadsheet would evaluate it, then quoted if it must be. */
export function csvCell(text: string): string {
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
