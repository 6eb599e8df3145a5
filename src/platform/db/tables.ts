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
  /** Search rate limits (migration 0005): `premium` raises the per-person limit. */
  plan: Generated<'standard' | 'premium'>;
  /** Per-policy overrides of the per-person limit: `{"search": 2000}`. */
  rate_limits: Json<Record<string, number>>;
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
  /** The entry's detail object, one at most (SPEC §7; migration 0011). */
  state_transition: NullableJson<Record<string, unknown>>;
  bulk_operation: NullableJson<Record<string, unknown>>;
  permission_denial: NullableJson<Record<string, unknown>>;
}

/** A hash-chained batch of a tenant's audit entries (migration 0007, ADR 0011). */
export interface AuditSealsTable {
  tenant_id: string;
  seq: number;
  from_created_at: Date;
  to_created_at: Date;
  entry_count: number;
  batch_hash: Buffer;
  previous_hash: Buffer;
  chain_hash: Buffer;
  sealed_at: Generated<Date>;
}

/** The hash an entry had when it was sealed, and its retention then. */
export interface AuditSealEntriesTable {
  tenant_id: string;
  seq: number;
  entry_id: string;
  entry_hash: Buffer;
  retention_until: Date;
}

/** A record of SPEC §4: versioned, and soft-deleted. */
interface LiveRecord extends Versioned {
  tenant_id: string;
  id: Generated<string>;
  deleted_at: Date | null;
}

type Priority = ColumnType<string, string | undefined, string>;
type Status = ColumnType<string, string | undefined, string>;
type StatusChangedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export interface PlatformSecretsTable {
  name: string;
  value: string;
}

export interface TenantCountersTable {
  tenant_id: string;
  name: string;
  value: number;
}

export interface VendorsTable extends LiveRecord {
  code: string;
  name: string;
  email: string | null;
  phone: string | null;
}

export interface AssetsTable extends LiveRecord {
  code: string;
  name: string;
  site_id: string;
  category: string | null;
}

export interface WorkOrdersTable extends LiveRecord {
  number: string;
  title: string;
  description: string | null;
  site_id: string;
  asset_id: string | null;
  vendor_id: string | null;
  assigned_to: string | null;
  priority: Priority;
  status: Status;
  planned_at: Date | string | null;
  due_at: Date | string | null;
  status_changed_at: StatusChangedAt;
}

export interface WorkOrderLineItemsTable extends LiveRecord {
  work_order_id: string;
  seq: number;
  description: string;
  mandatory: Generated<boolean>;
  answer: string | null;
  done: Generated<boolean>;
}

export interface TaskTemplatesTable extends LiveRecord {
  name: string;
  description: string | null;
  site_id: string | null;
  requires_observation: Generated<boolean>;
  requires_meter_reading: Generated<boolean>;
  requires_photo: Generated<boolean>;
  grace_minutes: Generated<number>;
}

export interface MeterReading {
  meter: string;
  value: number;
  unit: string;
  recorded_at: string;
}

export interface TasksTable extends LiveRecord {
  number: string;
  template_id: string | null;
  title: string;
  description: string | null;
  site_id: string;
  assignee_id: string | null;
  priority: Priority;
  status: Status;
  planned_at: Date | string | null;
  due_at: Date | string | null;
  grace_minutes: Generated<number>;
  started_at: Date | string | null;
  completed_at: Date | string | null;
  observations: Json<string[]>;
  meter_readings: Json<MeterReading[]>;
  photo_count: Generated<number>;
  requires_observation: Generated<boolean>;
  requires_meter_reading: Generated<boolean>;
  requires_photo: Generated<boolean>;
  status_changed_at: StatusChangedAt;
}

export interface AttendanceRecordsTable extends LiveRecord {
  person_id: string;
  site_id: string;
  /** `YYYY-MM-DD`: dates are read as text, never shifted through a time zone. */
  work_date: string;
  punch_in_at: Date | string | null;
  punch_out_at: Date | string | null;
  location: NullableJson<{ lat: number; lng: number }>;
  status: Status;
  adjustment_reason: string | null;
  remarks: string | null;
  status_changed_at: StatusChangedAt;
}

export interface TicketsTable extends LiveRecord {
  number: string;
  title: string;
  description: string | null;
  category: string | null;
  site_id: string | null;
  requester_id: string | null;
  assignee_id: string | null;
  priority: Priority;
  status: Status;
  due_at: Date | string | null;
  status_changed_at: StatusChangedAt;
}

export interface DB {
  tenants: TenantsTable;
  sites: SitesTable;
  people: PeopleTable;
  roles: RolesTable;
  person_roles: PersonRolesTable;
  api_tokens: ApiTokensTable;
  audit_entries: AuditEntriesTable;
  audit_seals: AuditSealsTable;
  audit_seal_entries: AuditSealEntriesTable;
  platform_secrets: PlatformSecretsTable;
  tenant_counters: TenantCountersTable;
  vendors: VendorsTable;
  assets: AssetsTable;
  work_orders: WorkOrdersTable;
  work_order_line_items: WorkOrderLineItemsTable;
  task_templates: TaskTemplatesTable;
  tasks: TasksTable;
  attendance_records: AttendanceRecordsTable;
  tickets: TicketsTable;
}
