import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The caller's X-Correlation-Id (or X-Request-Id) when it is a UUID, else a new one. */
export function correlationIdOf(request: IncomingMessage): string {
  for (const header of ['x-correlation-id', 'x-request-id']) {
    const value = request.headers[header];
    if (typeof value === 'string' && UUID.test(value)) return value.toLowerCase();
  }
  return randomUUID();
}
