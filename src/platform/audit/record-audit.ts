import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { AuditSource } from '../context.js';
import type { Tx } from '../db/transactions.js';
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
 * Entries and their detail rows go in one statement per chunk of events, whatever their number.
 */
export async function recordAudit(
  tx: Tx,
  source: AuditSource,
  ...events: AuditEvent[]
): Promise<string[]> {
  const ids = events.map(() => randomUUID());
  for (let start = 0; start < events.length; start += EVENTS_PER_STATEMENT) {
    const chunk = events.slice(start, start + EVENTS_PER_STATEMENT);
    await insertEntries(tx, source, chunk, ids.slice(start, start + EVENTS_PER_STATEMENT));
  }
  return ids;
}

/**
 * Events per statement: an entry (13 parameters) and its detail (up to 8) stay well under
 * PostgreSQL's 65,535 bind parameters.
 */
const EVENTS_PER_STATEMENT = 2000;

async function insertEntries(tx: Tx, source: AuditSource, events: AuditEvent[], ids: string[]) {
  const redaction = { extraKeys: source.tenant.piiKeys };
  const retentionUntil = sql<Date>`now() + make_interval(days => ${source.tenant.retentionDays})`;
  const entries = events.map((event, i) => ({
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
  }));

  const withDetail = <K extends keyof AuditEvent>(key: K) =>
    events.flatMap((event, i) => (event[key] ? [{ auditId: ids[i]!, detail: event[key]! }] : []));
  const tenant_id = source.tenantId;
  const transitions = withDetail('stateTransition').map(({ auditId, detail }) => ({
    tenant_id,
    audit_id: auditId,
    from_state: detail.fromState,
    to_state: detail.toState,
    transition_reason: detail.transitionReason,
    transition_duration_seconds: detail.transitionDurationSeconds,
  }));
  const bulkOperations = withDetail('bulkOperation').map(({ auditId, detail }) => ({
    tenant_id,
    audit_id: auditId,
    operation_type: detail.operationType,
    total_items: detail.totalItems,
    successful_items: detail.successfulItems,
    failed_items: detail.failedItems,
    failure_details: JSON.stringify(redact(detail.failureDetails, redaction)),
    execution_time_ms: detail.executionTimeMs,
    was_rolled_back: detail.wasRolledBack,
  }));
  const denials = withDetail('permissionDenial').map(({ auditId, detail }) => ({
    tenant_id,
    audit_id: auditId,
    required_permission: detail.requiredPermission,
    action_attempted: detail.actionAttempted,
    risk_level: detail.riskLevel,
  }));

  const inserts = [
    tx.insertInto('audit_entries').values(entries),
    ...(transitions.length > 0
      ? [tx.insertInto('audit_state_transitions').values(transitions)]
      : []),
    ...(bulkOperations.length > 0
      ? [tx.insertInto('audit_bulk_operations').values(bulkOperations)]
      : []),
    ...(denials.length > 0 ? [tx.insertInto('audit_permission_denials').values(denials)] : []),
  ];
  const last = inserts.pop()!;
  if (inserts.length === 0) {
    await last.execute();
    return;
  }
  // Entries and their detail rows in one statement (data-modifying CTEs): one round trip. The
  // detail rows' foreign keys are checked at the end of the statement, after the entries exist.
  const ctes = inserts.map((insert, i) => sql`${sql.id(`insert_${i}`)} as (${insert})`);
  await sql`with ${sql.join(ctes)} ${last}`.execute(tx);
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
