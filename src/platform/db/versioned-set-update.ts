import { sql, type RawBuilder } from 'kysely';
import type { Tx } from './transactions.js';
import type { VersionedTable } from './versioned-update.js';

type Row = Record<string, unknown>;

/** One row to change: the version (and state) it must still be at, and its new column values. */
export interface RowChange {
  id: string;
  version: number;
  /** The `status` the row must still be in (a transition's from-state): all changes or none. */
  status?: string;
  /** Column values, as JSON; every change of one call sets the same columns. */
  values: Row;
}

export interface VersionedSetUpdate {
  table: VersionedTable;
  tenantId: string;
  actorId: string | null;
  /** The columns `values` set. */
  columns: readonly string[];
  changes: readonly RowChange[];
  /** Rows matching this condition (over bare columns) are frozen, and left alone. */
  frozen?: RawBuilder<boolean> | undefined;
  /** Further assignments made to every changed row: `status_changed_at = now()`. */
  alsoSet?: readonly RawBuilder<unknown>[];
  /** Return each row before and after (for UPDATED entries); else only the ids changed. */
  withRows: boolean;
}

/**
 * The set form of `updateVersioned`: one statement changes every row still at its expected
 * version (and state, where given), live and not frozen, with version + 1, and returns the ids
 * changed (and, `withRows`, each row before and after). A row missing from the result was not
 * changed.
 */
export async function updateVersionedSet(
  tx: Tx,
  update: VersionedSetUpdate,
): Promise<{ id: string; before?: Row; after?: Row }[]> {
  if (update.changes.length === 0) return [];
  const table = sql.table(update.table);
  const given = update.changes.map((change) => ({
    id: change.id,
    version: change.version,
    status: change.status ?? null,
    values: change.values,
  }));
  const inState = given.some((change) => change.status !== null)
    ? sql`and g.status = t.status`
    : sql``;
  const assignments = update.columns.map(
    (column) => sql`${sql.ref(column)} = (g.v).${sql.id(column)}`,
  );
  const { rows } = await sql<{ id: string; before: Row; after: Row }>`
    with given as (
      select (e->>'id')::uuid as id, (e->>'version')::int as version, e->>'status' as status,
        jsonb_populate_record(null::${table}, e->'values') as v
      from jsonb_array_elements(${JSON.stringify(given)}::jsonb) as e
    ), current_row as (
      select * from ${table} as t
      where tenant_id = ${update.tenantId} and deleted_at is null
        and id = any(${given.map((change) => change.id)}::uuid[])
        and not (${update.frozen ?? sql<boolean>`false`})
        and exists (
          select 1 from given g
          where g.id = t.id and g.version = t.version ${inState})
      -- In id order: two requests over overlapping rows lock them in the same order.
      order by id
      for no key update
    )
    update ${table} as r
    set ${sql.join([
      ...assignments,
      ...(update.alsoSet ?? []),
      sql`version = c.version + 1`,
      sql`updated_at = now()`,
      sql`updated_by = ${update.actorId}`,
    ])}
    from current_row c join given g on g.id = c.id
    where r.tenant_id = c.tenant_id and r.id = c.id
    returning r.id ${update.withRows ? sql`, to_jsonb(c) as before, to_jsonb(r) as after` : sql``}`.execute(
    tx,
  );
  return rows;
}
