import { sql, type RawBuilder, type Updateable } from 'kysely';
import { AppError, notFound } from '../errors.js';
import { versionConflict, type ExpectedVersion } from '../optimistic-lock.js';
import type { DB } from './tables.js';
import type { Tx } from './transactions.js';

/** Tables whose rows carry `version`, `updated_at` and `updated_by`. */
export type VersionedTable =
  | 'people'
  | 'roles'
  | 'sites'
  | 'vendors'
  | 'assets'
  | 'work_orders'
  | 'work_order_line_items'
  | 'task_templates'
  | 'tasks'
  | 'attendance_records'
  | 'tickets';

type Row = Record<string, unknown>;

/** The name of the CTE holding the updated row, for the `also` statements that read it. */
export const UPDATED_ROW = 'updated';

export interface VersionedUpdate<T extends VersionedTable> {
  table: T;
  tenantId: string;
  id: string;
  expected: ExpectedVersion | null;
  set: Updateable<DB[T]>;
  actorId: string | null;
  /** For the 404 message: "Person not found". */
  entityName: string;
  /** Soft-deleted rows count as missing. */
  softDeleted?: boolean;
  /** A row matching this condition (over bare columns) refuses the write with `error`. */
  frozen?: { condition: RawBuilder<boolean>; error: () => AppError } | undefined;
  /** A further condition (over bare columns) the row must meet: a transition's from-state. */
  guard?: RawBuilder<boolean>;
  /** Columns over the updated row `r`, returned as `record`: saves reading the record again. */
  returning?: RawBuilder<unknown>;
  /**
   * Data-modifying CTEs (`name as (insert ...)`) run in the same statement; they can read the CTE
   * UPDATED_ROW to act only when the update happened (its audit entry).
   */
  also?: RawBuilder<unknown>[];
}

/**
 * One conditional statement (SPEC §5): locks the row only if it is at the expected version (and
 * not frozen),
 * applies `set` with version + 1, and returns the row before and after. Zero rows means missing
 * (404), frozen (its error) or moved on (409/412); a second query tells which.
 */
export async function updateVersioned<T extends VersionedTable>(
  tx: Tx,
  update: VersionedUpdate<T>,
): Promise<{ before: Row; after: Row; record: Row }> {
  const live = update.softDeleted ? sql`and deleted_at is null` : sql``;
  const versionGuard = update.expected ? sql`and version = ${update.expected.version}` : sql``;
  const frozen = update.frozen?.condition ?? sql<boolean>`false`;
  const guard = update.guard ?? sql<boolean>`true`;
  const assignments = Object.entries(update.set as Row)
    .filter(([, value]) => value !== undefined)
    .map(([column, value]) => sql`${sql.ref(column)} = ${value}`);
  const table = sql.table(update.table);
  const returning = update.returning ? sql`, ${update.returning}` : sql``;
  const also = update.also?.length ? sql`, ${sql.join(update.also)}` : sql``;
  const { rows } = await sql<{ before: Row; after: Row }>`
    with current_row as (
      select * from ${table}
      where tenant_id = ${update.tenantId} and id = ${update.id} ${live} ${versionGuard}
        and not (${frozen}) and ${guard}
      -- NO KEY: rows that merely reference this one (a new asset of a site) need not wait.
      for no key update
    ), ${sql.id(UPDATED_ROW)} as (
      update ${table} as r
      set ${sql.join([
        ...assignments,
        sql`version = current_row.version + 1`,
        sql`updated_at = now()`,
        sql`updated_by = ${update.actorId}`,
      ])}
      from current_row
      where r.tenant_id = current_row.tenant_id and r.id = current_row.id
      returning to_jsonb(current_row) as before, to_jsonb(r) as after ${returning}
    )${also}
    select * from ${sql.id(UPDATED_ROW)}`.execute(tx);
  if (rows[0]) {
    const { before, after, ...record } = rows[0];
    return { before, after, record };
  }

  const { rows: current } = await sql<{ version: number; frozen: boolean }>`
    select version, (${frozen}) as frozen from ${table}
    where tenant_id = ${update.tenantId} and id = ${update.id} ${live}`.execute(tx);
  const version = current[0]?.version;
  if (version === undefined) throw notFound(update.entityName);
  if (current[0]?.frozen && update.frozen) throw update.frozen.error();
  if (update.expected) throw versionConflict(update.expected, version);
  throw new AppError('INTERNAL_ERROR');
}
