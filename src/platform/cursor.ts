import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from './errors.js';

/**
 * Opaque keyset cursors (SPEC §9): the position after the last row of a page, signed so that a
 * tampered cursor is refused, and bound to the query it came from (tenant, list, sort and
 * filters), so that a cursor of another tenant or another query is refused too.
 */
export interface CursorPosition {
  /** The page this cursor opens. */
  page: number;
  /** The last row's sort value as text (null sorts last), and its id. */
  sortValue: string | null;
  id: string;
  /** The total counted when the walk began: deeper pages do not count again. */
  total: { count: number; estimated: boolean };
}

interface CursorPayload {
  q: string;
  p: number;
  v: string | null;
  i: string;
  t: number;
  e: boolean;
}

/** The identity of a query a cursor belongs to: the same inputs give the same scope. */
export function cursorScope(parts: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('base64url').slice(0, 22);
}

export function encodeCursor(key: Buffer, scope: string, position: CursorPosition): string {
  const payload: CursorPayload = {
    q: scope,
    p: position.page,
    v: position.sortValue,
    i: position.id,
    t: position.total.count,
    e: position.total.estimated,
  };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${sign(key, body)}`;
}

export function decodeCursor(key: Buffer, scope: string, cursor: string): CursorPosition {
  const [body, signature, extra] = cursor.split('.');
  if (!body || !signature || extra !== undefined || !sameSignature(sign(key, body), signature)) {
    throw invalidCursor('This cursor is not valid');
  }
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as CursorPayload;
  if (!isPayload(payload)) throw invalidCursor('This cursor is not valid');
  if (payload.q !== scope) {
    throw invalidCursor(
      'This cursor belongs to another query: keep the filters, sort and page_size it came with',
    );
  }
  return {
    page: payload.p,
    sortValue: payload.v,
    id: payload.i,
    total: { count: payload.t, estimated: payload.e },
  };
}

/** Signed, but perhaps by another version of this code: check every field's type. */
function isPayload(value: Partial<CursorPayload>): value is CursorPayload {
  return (
    typeof value.q === 'string' &&
    Number.isInteger(value.p) &&
    (value.v === null || typeof value.v === 'string') &&
    typeof value.i === 'string' &&
    Number.isInteger(value.t) &&
    typeof value.e === 'boolean'
  );
}

function sign(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url').slice(0, 32);
}

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function invalidCursor(message: string): AppError {
  return new AppError('VALIDATION_ERROR', { message, details: { field: 'cursor' } });
}

/** JSON with object keys sorted, so equal queries hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
