import { Type, type Static } from 'typebox';
import { AUDIT_EVENT_TYPES } from '../../platform/audit/record-audit.js';
import { Nullable, PageQuery, Pagination, Timestamp, Uuid } from '../../platform/schemas.js';

const Cursor = Type.String({ minLength: 1, maxLength: 1000 });
const JsonObject = Type.Object({}, { additionalProperties: true });

/** The filters of SPEC §7 "Read", shared by the list and the export. */
const AuditFilters = {
  correlation_id: Type.Optional(Uuid),
  entity_type: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' })),
  entity_id: Type.Optional(Uuid),
  event_type: Type.Optional(Type.Enum(AUDIT_EVENT_TYPES)),
  actor_id: Type.Optional(Uuid),
  from: Type.Optional(
    Type.String({ format: 'date-time', description: 'Entries created at or after this instant' }),
  ),
  to: Type.Optional(
    Type.String({ format: 'date-time', description: 'Entries created before this instant' }),
  ),
};

export const AuditListQuery = Type.Object(
  { ...AuditFilters, ...PageQuery, cursor: Type.Optional(Cursor) },
  { additionalProperties: false, description: 'Newest first (created_at, then id, descending)' },
);
export type AuditListQuery = Static<typeof AuditListQuery>;

export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const AuditExportQuery = Type.Object(
  { ...AuditFilters, format: Type.Optional(Type.Enum(EXPORT_FORMATS, { default: 'ndjson' })) },
  { additionalProperties: false, description: 'Every matching entry, oldest first' },
);
export type AuditExportQuery = Static<typeof AuditExportQuery>;

export type AuditFilterValues = Omit<AuditExportQuery, 'format'>;

export const HistoryQuery = Type.Object(
  { ...PageQuery, cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
export type HistoryQuery = Static<typeof HistoryQuery>;

export const StateTransitionSchema = Type.Object({
  from_state: Type.String(),
  to_state: Type.String(),
  transition_reason: Nullable(Type.String()),
  transition_duration_seconds: Nullable(Type.Number()),
});

export const BulkOperationSchema = Type.Object({
  operation_type: Type.String(),
  total_items: Type.Integer(),
  successful_items: Type.Integer(),
  failed_items: Type.Integer(),
  failure_details: JsonObject,
  execution_time_ms: Type.Integer(),
  was_rolled_back: Type.Boolean(),
});

export const PermissionDenialSchema = Type.Object({
  required_permission: Type.String(),
  action_attempted: Type.String(),
  risk_level: Type.Enum(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']),
});

/** An audit entry as every read returns it (SPEC §7): at most one detail object is not null. */
export const AuditEntrySchema = Type.Object({
  id: Uuid,
  tenant_id: Uuid,
  correlation_id: Uuid,
  event_type: Type.Enum(AUDIT_EVENT_TYPES),
  entity_type: Type.String(),
  entity_id: Nullable(Uuid),
  actor_id: Nullable(Uuid),
  changes: Nullable(JsonObject),
  metadata: JsonObject,
  ip_address: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  security_flags: Type.Array(Type.String()),
  created_at: Timestamp,
  retention_until: Timestamp,
  state_transition: Nullable(StateTransitionSchema),
  bulk_operation: Nullable(BulkOperationSchema),
  permission_denial: Nullable(PermissionDenialSchema),
});
export type AuditEntry = Static<typeof AuditEntrySchema>;

export const AuditPage = Type.Object({
  data: Type.Array(AuditEntrySchema),
  pagination: Pagination,
});
