import type { ColumnType, Generated } from 'kysely';

/** Column types of the database (migrations/ is the source; keep the two in step). */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T = unknown> = ColumnType<T, string | undefined, string>;
type NullableJson<T = unknown> = ColumnType<T | null, string | null | undefined, string | null>;

interface Versioned {
  version: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
  created_by: string | null;
  updated_by: string | null;
}

export interface TenantsTable {
  id: string;
  name: string;
  slug: string;
  retention_days: Generated<number>;
  payroll_grace_days: Generated<number>;
  require_if_match: Generated<boolean>;
  legal_hold: Generated<boolean>;
  pii_keys: ColumnType<string[], string[] | undefined, string[]>;
  version: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface SitesTable extends Versioned {
  tenant_id: string;
  id: Generated<string>;
  code: string;
  name: string;
  timezone: string;
  geofence: NullableJson<Record<string, unknown>>;
  shift_start: string | null;
  shift_end: string | null;
  deleted_at: Date | null;
}

export interface PeopleTable extends Versioned {
  tenant_id: string;
  id: Generated<string>;
  login: string;
  name: string;
  email: string | null;
  phone: string | null;
  site_id: string | null;
  is_active: Generated<boolean>;
  deleted_at: Date | null;
}

export interface RolesTable extends Versioned {
  tenant_id: string;
  id: Generated<string>;
  name: string;
  description: string | null;
  permissions: ColumnType<string[], string[], string[]>;
}

export interface PersonRolesTable {
  tenant_id: string;
  person_id: string;
  role_id: string;
}

export interface ApiTokensTable {
  tenant_id: string;
  id: Generated<string>;
  person_id: string;
  name: string;
  token_hash: string;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  created_at: CreatedAt;
  created_by: string | null;
}

export interface AuditEntriesTable {
  tenant_id: string;
  id: Generated<string>;
  correlation_id: string;
  event_type: string;
  entity_type: string;
  entity_id: string | null;
  actor_id: string | null;
  changes: NullableJson<Record<string, unknown>>;
  metadata: Json<Record<string, unknown>>;
  ip_address: string | null;
  user_agent: string | null;
  security_flags: ColumnType<string[], string[] | undefined, never>;
  created_at: CreatedAt;
  retention_until: ColumnType<Date, Date | string, never>;
}

export interface AuditStateTransitionsTable {
  tenant_id: string;
  audit_id: string;
  from_state: string;
  to_state: string;
  transition_reason: string | null;
  transition_duration_seconds: number | null;
}

export interface AuditBulkOperationsTable {
  tenant_id: string;
  audit_id: string;
  operation_type: string;
  total_items: number;
  successful_items: number;
  failed_items: number;
  failure_details: Json<Record<string, unknown>>;
  execution_time_ms: number;
  was_rolled_back: boolean;
}

export interface AuditPermissionDenialsTable {
  tenant_id: string;
  audit_id: string;
  required_permission: string;
  action_attempted: string;
  risk_level: string;
}

export interface DB {
  tenants: TenantsTable;
  sites: SitesTable;
  people: PeopleTable;
  roles: RolesTable;
  person_roles: PersonRolesTable;
  api_tokens: ApiTokensTable;
  audit_entries: AuditEntriesTable;
  audit_state_transitions: AuditStateTransitionsTable;
  audit_bulk_operations: AuditBulkOperationsTable;
  audit_permission_denials: AuditPermissionDenialsTable;
}
