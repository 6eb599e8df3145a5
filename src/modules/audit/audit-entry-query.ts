import { sql, type RawBuilder } from 'kysely';
import { AppError, invalidField } from '../../platform/errors.js';
import type { Tx } from '../../platform/db/transactions.js';
import { keysetPage, type Page, type PageRequest } from '../../platform/pagination.js';
import type { AuditEntry, AuditFilterValues } from './schemas.js';

/**
 * The pieces every read of the audit trail shares: the entry's columns with its detail object,
 * the filters as conditions over `e`, and the order (created_at, then id).
 */
export const ENTRY_COLUMNS = sql`
  e.id, e.tenant_id, e.correlation_id, e.event_type, e.entity_type, e.entity_id, e.actor_id,
  e.changes, e.metadata, e.ip_address, e.user_agent, e.security_flags, e.created_at,
  e.retention_until, e.state_transition, e.bulk_operation, e.permission_denial`;

/**
 * One page of the entries meeting `conditions`, newest first on (created_at, id), bound to
 * `scope` (what its cursor may be used for).
 */
export async function pageOfEntries(
  tx: Tx,
  conditions: readonly RawBuilder<unknown>[],
  request: PageRequest,
  cursorKey: Buffer,
  scope: string,
): Promise<Page<AuditEntry>> {
  const page = await keysetPage(tx, {
    from: entriesFrom(conditions),
    select: ENTRY_COLUMNS,
    id: sql.ref('e.id'),
    sort: { expression: sql.ref('e.created_at'), type: 'timestamptz' },
    descending: true,
    request,
    cursorKey,
    scope,
  });
  return page as Page<AuditEntry>;
}

/** `from audit_entries e where <conditions>`, without order or limit. */
export function entriesFrom(conditions: readonly RawBuilder<unknown>[]): RawBuilder<unknown> {
  return sql`from audit_entries e where ${sql.join(conditions, sql` and `)}`;
}

/**
 * The conditions for a tenant's entries matching `filters` (`from` inclusive, `to` exclusive).
 * The tenant is named explicitly (row-level security checks it again): every index leads with it.
 */
export function filterConditions(
  tenantId: string,
  filters: AuditFilterValues,
): RawBuilder<unknown>[] {
  const from = filters.from === undefined ? undefined : instant('from', filters.from);
  const to = filters.to === undefined ? undefined : instant('to', filters.to);
  if (from && to && from > to) {
    throw new AppError('VALIDATION_ERROR', {
      message: '`from` must not be later than `to`',
      details: { errors: [{ path: '/from', message: 'must not be later than to' }] },
    });
  }
  const conditions = [sql`e.tenant_id = ${tenantId}`];
  const equal = (column: string, value: string | undefined) => {
    if (value !== undefined) conditions.push(sql`${sql.ref(`e.${column}`)} = ${value}`);
  };
  equal('correlation_id', filters.correlation_id);
  equal('entity_type', filters.entity_type);
  equal('entity_id', filters.entity_id);
  equal('event_type', filters.event_type);
  equal('actor_id', filters.actor_id);
  // The text as given: PostgreSQL keeps the microseconds a Date would drop.
  if (from) conditions.push(sql`e.created_at >= ${filters.from}::timestamptz`);
  if (to) conditions.push(sql`e.created_at < ${filters.to}::timestamptz`);
  return conditions;
}

/** The filters as given, without the unset ones: what a cursor is bound to and an export notes. */
export function givenFilters(filters: AuditFilterValues): Record<string, string> {
  return Object.fromEntries(
    Object.entries(filters).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** A UTC offset PostgreSQL takes: up to 15:59 either way (the format check allows 23:59). */
const OFFSET_POSTGRES_TAKES = /(?:z|[+-](?:0\d|1[0-5]):[0-5]\d)$/i;

/**
 * A date-time the schema accepted, as an instant: the format check lets 25:00 and an offset of
 * +23:59 through, which PostgreSQL would refuse only after an export has audited itself.
 */
function instant(field: string, text: string): Date {
  const value = new Date(text);
  if (Number.isNaN(value.getTime()) || !OFFSET_POSTGRES_TAKES.test(text)) {
    throw invalidField(field, 'is not a valid date-time');
  }
  return value;
}
