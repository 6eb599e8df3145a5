import { randomUUID } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { AuditSource } from '../context.js';
import { asAuditWriteFailure } from './audit-write-error.js';
import { noteChange, type Tx } from '../db/transactions.js';
import { isPiiKey, redact, REDACTED, redactText, type RedactionOptions } from './redaction.js';

/** SPEC §7's event types. */
export const AUDIT_EVENT_TYPES = [
  'CREATED',
  'UPDATED',
  'DELETED',
  'STATE_CHANGED',
  'BULK_OPERATION',
  'PERMISSION_DENIED',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

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
 * One statement, whatever the number of events.
 */
export async function recordAudit(
  tx: Tx,
  source: AuditSource,
  ...events: AuditEvent[]
): Promise<string[]> {
  if (events.length === 0) return [];
  noteAuditedChanges(tx, source, events);
  const { ids, ctes } = auditInserts(source, events);
  try {
    await sql`with ${sql.join(ctes)} select 1`.execute(tx);
  } catch (error) {
    throw asAuditWriteFailure(error);
  }
  return ids;
}

/**
 * Every record write is audited, so this is where caches learn what changed (told on commit).
 * Callers that embed `auditInserts` in a statement of their own call it too.
 */
export function noteAuditedChanges(
  tx: Tx,
  source: AuditSource,
  events: readonly AuditEvent[],
): void {
  for (const event of events) {
    if (event.eventType !== 'PERMISSION_DENIED') noteChange(tx, source.tenantId, event.entityType);
  }
}

/** Columns a caller fills; `created_at` takes its default and `retention_until` is computed. */
const COLUMNS = {
  audit_entries: [
    'tenant_id',
    'id',
    'correlation_id',
    'event_type',
    'entity_type',
    'entity_id',
    'actor_id',
    'changes',
    'metadata',
    'ip_address',
    'user_agent',
    'security_flags',
  ],
  audit_state_transitions: [
    'tenant_id',
    'audit_id',
    'from_state',
    'to_state',
    'transition_reason',
    'transition_duration_seconds',
  ],
  audit_bulk_operations: [
    'tenant_id',
    'audit_id',
    'operation_type',
    'total_items',
    'successful_items',
    'failed_items',
    'failure_details',
    'execution_time_ms',
    'was_rolled_back',
  ],
  audit_permission_denials: [
    'tenant_id',
    'audit_id',
    'required_permission',
    'action_attempted',
    'risk_level',
  ],
} as const;

type AuditTable = keyof typeof COLUMNS;

const quoted = (name: string) => `"${name}"`;

/** One table's insert CTE for its rows' JSON (and the entries' retention days). */
type InsertCte = (rowsJson: string, retentionDays: number) => RawBuilder<unknown>;
const insertCtes = new Map<string, InsertCte>();

/**
 * Every audited write builds these CTEs, so each table's text is made once per condition rather
 * than compiled from parts each time.
 */
function insertCte(table: AuditTable, onlyIf: string | undefined): InsertCte {
  const key = `${table}:${onlyIf ?? ''}`;
  const cached = insertCtes.get(key);
  if (cached) return cached;
  const columns = COLUMNS[table].map(quoted).join(', ');
  const values = COLUMNS[table].map((column) => `given.${quoted(column)}`).join(', ');
  const into = `${quoted(`insert_${table}`)} as (insert into ${quoted(table)} (${columns}`;
  const from = sql.raw(` from json_populate_recordset(null::${quoted(table)}, `);
  const end = sql.raw(
    `) as given${onlyIf ? ` where exists (select 1 from ${quoted(onlyIf)})` : ''})`,
  );
  let cte: InsertCte;
  if (table === 'audit_entries') {
    const start = sql.raw(
      `${into}, "retention_until") select ${values}, now() + make_interval(days => `,
    );
    cte = (rowsJson, retentionDays) => sql`${start}${retentionDays})${from}${rowsJson}${end}`;
  } else {
    const start = sql.raw(`${into}) select ${values}`);
    cte = (rowsJson) => sql`${start}${from}${rowsJson}${end}`;
  }
  insertCtes.set(key, cte);
  return cte;
}

/**
 * The data-modifying CTEs (`name as (insert ...)`) that write `events`, for a statement of the
 * caller's: each table's rows travel as one JSON parameter, typed by the table's own row type.
 * With `onlyIf`, they insert only when the CTE of that name returned a row (the change they
 * record happened).
 */
export function auditInserts(
  source: AuditSource,
  events: readonly AuditEvent[],
  onlyIf?: string,
): { ids: string[]; ctes: RawBuilder<unknown>[] } {
  const ids = events.map(() => randomUUID());
  const redaction = { extraKeys: source.tenant.piiKeys };
  const tenant_id = source.tenantId;
  const withDetail = <K extends keyof AuditEvent>(key: K) =>
    events.flatMap((event, i) => (event[key] ? [{ audit_id: ids[i]!, detail: event[key]! }] : []));

  const rows: Record<AuditTable, object[]> = {
    audit_entries: events.map((event, i) => ({
      tenant_id,
      id: ids[i],
      correlation_id: source.correlationId,
      event_type: event.eventType,
      entity_type: event.entityType,
      entity_id: event.entityId,
      actor_id: source.actorId,
      changes: event.changes ? redactChanges(event.changes, redaction) : null,
      metadata: redact(event.metadata ?? {}, redaction),
      ip_address: source.ipAddress,
      user_agent: source.userAgent,
      security_flags: event.securityFlags ?? [],
    })),
    audit_state_transitions: withDetail('stateTransition').map(({ audit_id, detail }) => ({
      tenant_id,
      audit_id,
      from_state: detail.fromState,
      to_state: detail.toState,
      transition_reason: detail.transitionReason && redactText(detail.transitionReason),
      transition_duration_seconds: detail.transitionDurationSeconds,
    })),
    audit_bulk_operations: withDetail('bulkOperation').map(({ audit_id, detail }) => ({
      tenant_id,
      audit_id,
      operation_type: detail.operationType,
      total_items: detail.totalItems,
      successful_items: detail.successfulItems,
      failed_items: detail.failedItems,
      failure_details: redact(detail.failureDetails, redaction),
      execution_time_ms: detail.executionTimeMs,
      was_rolled_back: detail.wasRolledBack,
    })),
    audit_permission_denials: withDetail('permissionDenial').map(({ audit_id, detail }) => ({
      tenant_id,
      audit_id,
      required_permission: detail.requiredPermission,
      action_attempted: detail.actionAttempted,
      risk_level: detail.riskLevel,
    })),
  };
  // The entries come first: the detail rows' foreign keys are checked at the end of the
  // statement, when the entries exist.
  const ctes = (Object.keys(COLUMNS) as AuditTable[])
    .filter((table) => rows[table].length > 0)
    .map((table) =>
      insertCte(table, onlyIf)(JSON.stringify(rows[table]), source.tenant.retentionDays),
    );
  return { ids, ctes };
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
