/**
 * The audit writer with the write taken out, for the bench's server without the audit write
 * (`register.mjs`): no entry is built, sent or stored. The caches still hear of each change, as
 * they do from the real writer: keeping them fresh is not a cost of auditing.
 */
import { randomUUID } from 'node:crypto';
import type { RawBuilder } from 'kysely';
import type { AuditSource } from '../../src/platform/context.js';
import type { Tx } from '../../src/platform/db/transactions.js';
import { noteAuditedChanges, type AuditEvent } from '../../src/platform/audit/record-audit.js';

export * from '../../src/platform/audit/record-audit.js';

export function auditInserts(
  _source: AuditSource,
  events: readonly AuditEvent[],
): { ids: string[]; ctes: RawBuilder<unknown>[] } {
  return { ids: events.map(() => randomUUID()), ctes: [] };
}

export function recordAudit(
  tx: Tx,
  source: AuditSource,
  ...events: AuditEvent[]
): Promise<string[]> {
  noteAuditedChanges(tx, source, events);
  return Promise.resolve(events.map(() => randomUUID()));
}
