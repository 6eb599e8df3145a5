import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { AuditSource } from '../context.js';
import { noteChange, type Tx } from '../db/transactions.js';
import { isPiiKey, redact, REDACTED, type RedactionOptions } from './redaction.js';

export type AuditEventType =
  'CREATED' | 'UPDATED' | 'DELETED' | 'STATE_CHANGED' | 'BULK_OPERATION' | 'PERMISSION_DENIED';

export type RiskLevel = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export type FieldChanges = Record<string, { old: unknown; new: unknown }>;

export interface AuditEvent {
  eventType: AuditEventType;
  entityType: string;
  entityId: string | null;
  changes?: FieldChanges | null;
  metadata?: Record<string, unknown>;
  securityFlags?: string[];
  stateTransition?: {
    fromState: string;
    toState: string;
    transitionReason: string | null;
    transitionDurationSeconds: number | null;
  };
  bulkOperation?: {
    operationType: string;
    totalItems: number;
    successfulItems: number;
    failedItems: number;
    failureDetails: Record<string, string>;
    executionTimeMs: number;
    wasRolledBack: boolean;
  };
  permissionDenial?: { requiredPermission: string; actionAttempted: string; riskLevel: RiskLevel };
}

/**
 * Writes audit entries inside the caller's transaction, so a change and its entry commit or roll
 * back together. Personal data in `changes` and `metadata` is redacted before it is stored.
 * Several events go in one statement per table, whatever their number.
 */
export async function recordAudit(
  tx: Tx,
  source: AuditSource,
  ...events: AuditEvent[]
): Promise<string[]> {
  if (events.length === 0) return [];
  // Every record write is audited here, so this is where caches learn what changed (on commit).
  for (const event of events) {
    if (event.eventType !== 'PERMISSION_DENIED') noteChange(tx, source.tenantId, event.entityType);
  }
  const redaction = { extraKeys: source.tenant.piiKeys };
  const retentionUntil = sql<Date>`now() + make_interval(days => ${source.tenant.retentionDays})`;
  const ids = events.map(() => randomUUID());

  await insertInChunks(
    events.map((event, i) => ({
      tenant_id: source.tenantId,
      id: ids[i]!,
      correlation_id: source.correlationId,
      event_type: event.eventType,
      entity_type: event.entityType,
      entity_id: event.entityId,
      actor_id: source.actorId,
      changes: event.changes ? JSON.stringify(redactChanges(event.changes, redaction)) : null,
      metadata: JSON.stringify(redact(event.metadata ?? {}, redaction)),
      ip_address: source.ipAddress,
      user_agent: source.userAgent,
      security_flags: event.securityFlags ?? [],
      retention_until: retentionUntil,
    })),
    (rows) => tx.insertInto('audit_entries').values(rows).execute(),
  );

  const withDetail = <K extends keyof AuditEvent>(key: K) =>
    events.flatMap((event, i) => (event[key] ? [{ auditId: ids[i]!, detail: event[key]! }] : []));

  const transitions = withDetail('stateTransition');
  if (transitions.length > 0) {
    await insertInChunks(
      transitions.map(({ auditId, detail }) => ({
        tenant_id: source.tenantId,
        audit_id: auditId,
        from_state: detail.fromState,
        to_state: detail.toState,
        transition_reason: detail.transitionReason,
        transition_duration_seconds: detail.transitionDurationSeconds,
      })),
      (rows) => tx.insertInto('audit_state_transitions').values(rows).execute(),
    );
  }
  const bulkOperations = withDetail('bulkOperation');
  if (bulkOperations.length > 0) {
    await insertInChunks(
      bulkOperations.map(({ auditId, detail }) => ({
        tenant_id: source.tenantId,
        audit_id: auditId,
        operation_type: detail.operationType,
        total_items: detail.totalItems,
        successful_items: detail.successfulItems,
        failed_items: detail.failedItems,
        failure_details: JSON.stringify(redact(detail.failureDetails, redaction)),
        execution_time_ms: detail.executionTimeMs,
        was_rolled_back: detail.wasRolledBack,
      })),
      (rows) => tx.insertInto('audit_bulk_operations').values(rows).execute(),
    );
  }
  const denials = withDetail('permissionDenial');
  if (denials.length > 0) {
    await insertInChunks(
      denials.map(({ auditId, detail }) => ({
        tenant_id: source.tenantId,
        audit_id: auditId,
        required_permission: detail.requiredPermission,
        action_attempted: detail.actionAttempted,
        risk_level: detail.riskLevel,
      })),
      (rows) => tx.insertInto('audit_permission_denials').values(rows).execute(),
    );
  }
  return ids;
}

/** The fields whose value differs between two versions of a record, as `{field: {old, new}}`. */
export function changedFields<T extends object>(
  before: T,
  after: Partial<T>,
  fields: readonly (keyof T & string)[],
): FieldChanges {
  const changes: FieldChanges = {};
  for (const field of fields) {
    if (!(field in after)) continue;
    const oldValue = before[field];
    const newValue = after[field];
    if (JSON.stringify(oldValue) !== JSON.stringify(newValue)) {
      changes[field] = { old: oldValue ?? null, new: newValue ?? null };
    }
  }
  return changes;
}

/** A creation's changes: every given field, from nothing to its value. */
export function creationChanges(values: object): FieldChanges {
  return Object.fromEntries(
    Object.entries(values).map(([field, value]) => [field, { old: null, new: value ?? null }]),
  );
}

/** A field named like personal data keeps its `{old, new}` shape with both values hidden. */
function redactChanges(changes: FieldChanges, options: RedactionOptions): FieldChanges {
  return Object.fromEntries(
    Object.entries(changes).map(([field, change]) => [
      field,
      isPiiKey(field, options.extraKeys)
        ? { old: change.old === null ? null : REDACTED, new: change.new === null ? null : REDACTED }
        : { old: redact(change.old, options), new: redact(change.new, options) },
    ]),
  );
}

/** Rows per INSERT: well under PostgreSQL's 65,535 bind parameters at 14 columns a row. */
const ROWS_PER_INSERT = 2000;

async function insertInChunks<Row>(rows: Row[], insert: (chunk: Row[]) => Promise<unknown>) {
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    await insert(rows.slice(start, start + ROWS_PER_INSERT));
  }
}
