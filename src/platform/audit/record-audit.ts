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

/**
 * Columns a caller fills, with their types; `created_at` takes its default and `retention_until`
 * is computed.
 */
const COLUMN_TYPES = {
  tenant_id: 'uuid',
  id: 'uuid',
  correlation_id: 'uuid',
  event_type: 'text',
  entity_type: 'text',
  entity_id: 'uuid',
  actor_id: 'uuid',
  changes: 'jsonb',
  metadata: 'jsonb',
  ip_address: 'text',
  user_agent: 'text',
  security_flags: 'text[]',
  state_transition: 'jsonb',
  bulk_operation: 'jsonb',
  permission_denial: 'jsonb',
} as const;
type AuditRow = Record<keyof typeof COLUMN_TYPES, unknown>;
const COLUMNS = Object.keys(COLUMN_TYPES) as (keyof typeof COLUMN_TYPES)[];

/**
 * The CTE's text around its parameters, made once: every audited write uses it. A single entry,
 * the common case, has a parameter per column, cast to the column's type; several travel as one
 * JSON parameter typed by the table's row type, so the statement's parameters stay the same
 * whatever their number. (Building and parsing a JSON document for a single entry cost about 2%
 * of a transition's throughput.) With `onlyIf`, it inserts only when the CTE of that name
 * returned a row.
 */
function insertCte(onlyIf: string | undefined) {
  const quoted = (name: string) => `"${name}"`;
  const insert = `insert_audit_entries as (insert into audit_entries (${COLUMNS.map(quoted).join(', ')}, retention_until) select `;
  const retention = `now() + make_interval(days => `;
  const condition = onlyIf ? ` where exists (select 1 from ${quoted(onlyIf)})` : '';

  // One template for a single entry (no node per column to build): its parameters are the
  // columns' values, each followed by its cast, then the days kept.
  const casts = COLUMNS.map((column) => `::${COLUMN_TYPES[column]}`);
  const oneText = [
    insert,
    ...casts.slice(0, -1).map((cast) => `${cast}, `),
    `${casts.at(-1)}, ${retention}`,
    `)${condition})`,
  ];
  // `sql` takes template strings: an array with its `raw` copy.
  const one = Object.freeze(Object.assign(oneText, { raw: oneText }));
  const parameter = (row: AuditRow, column: keyof typeof COLUMN_TYPES) => {
    const value = row[column];
    // The driver would send an array as a PostgreSQL array, not as JSON.
    return COLUMN_TYPES[column] === 'jsonb' && value != null ? JSON.stringify(value) : value;
  };

  const many = {
    start: sql.raw(
      `${insert}${COLUMNS.map((column) => `given.${quoted(column)}`).join(', ')}, ${retention}`,
    ),
    from: sql.raw(`) from json_populate_recordset(null::audit_entries, `),
    end: sql.raw(`) as given${condition})`),
  };

  return (retentionDays: number, rows: readonly AuditRow[]) => {
    if (rows.length === 1) {
      return sql(one, ...COLUMNS.map((column) => parameter(rows[0]!, column)), retentionDays);
    }
    return sql`${many.start}${retentionDays}${many.from}${JSON.stringify(rows)}${many.end}`;
  };
}
const insertCtes = new Map<string, ReturnType<typeof insertCte>>();

/**
 * The data-modifying CTE (`name as (insert ...)`) that writes `events`, for a statement of the
 * caller's, each entry with its detail object in its column. With `onlyIf`, it inserts only
 * when the CTE of that name returned a row (the change the entries record happened).
 */
export function auditInserts(
  source: AuditSource,
  events: readonly AuditEvent[],
  onlyIf?: string,
): { ids: string[]; ctes: RawBuilder<unknown>[] } {
  const ids = events.map(() => randomUUID());
  const redaction = { extraKeys: source.tenant.piiKeys };
  const rows = events.map((event, i): AuditRow => ({
    tenant_id: source.tenantId,
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
    ...detailColumns(event, redaction),
  }));
  const key = onlyIf ?? '';
  let cte = insertCtes.get(key);
  if (!cte) insertCtes.set(key, (cte = insertCte(onlyIf)));
  return { ids, ctes: [cte(source.tenant.retentionDays, rows)] };
}

/**
 * An event's detail object as its column stores it: the keys of SPEC §7, in the form the seal
 * hashes of entries written before migration 0011 took (every key present, null when unset; the
 * table's check refuses a missing one).
 */
function detailColumns(event: AuditEvent, redaction: RedactionOptions) {
  const transition = event.stateTransition;
  const bulk = event.bulkOperation;
  const denial = event.permissionDenial;
  return {
    state_transition: transition && {
      from_state: transition.fromState,
      to_state: transition.toState,
      transition_reason:
        transition.transitionReason == null ? null : redactText(transition.transitionReason),
      transition_duration_seconds: transition.transitionDurationSeconds ?? null,
    },
    bulk_operation: bulk && {
      operation_type: bulk.operationType,
      total_items: bulk.totalItems,
      successful_items: bulk.successfulItems,
      failed_items: bulk.failedItems,
      failure_details: redact(bulk.failureDetails, redaction),
      execution_time_ms: bulk.executionTimeMs,
      was_rolled_back: bulk.wasRolledBack,
    },
    permission_denial: denial && {
      required_permission: denial.requiredPermission,
      action_attempted: denial.actionAttempted,
      risk_level: denial.riskLevel,
    },
  };
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
