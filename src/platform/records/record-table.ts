import type { RawBuilder } from 'kysely';
import type { AppError } from '../errors.js';
import type { SortKey } from '../pagination.js';
import type { Referrer } from './references.js';

/**
 * How one kind of record (SPEC §4) is stored: enough for the generic reads and writes of
 * `records/` to serve it. Every such table has `tenant_id`, `id`, `version`, the created/updated
 * stamps and `deleted_at` (soft delete).
 */
export interface RecordTable {
  table: string;
  /** The audit entries' `entity_type`: `work_order`. */
  entityType: string;
  /** For messages: "Work order not found". */
  entityName: string;
  /** The record's own columns, returned on every read after the common ones. */
  columns: readonly string[];
  /** False for tables whose rows are never soft-deleted (no `deleted_at`). */
  softDelete?: boolean;
  /** Columns stored as jsonb: written as JSON text (an array would otherwise go as a SQL array). */
  jsonColumns?: readonly string[];
  /** Fields read through an expression of the row `r` (a derived flag). */
  computed?: Readonly<Record<string, RawBuilder<unknown>>>;
  /**
   * Sub-collections every read embeds (a record's items), through an expression of the
   * row `r`. A bulk change reads only those its rules name (`Rule.reads`): they cost a subquery
   * per record.
   */
  collections?: Readonly<Record<string, RawBuilder<unknown>>>;
  /** The field naming who does the work, and the permission it takes to set it. */
  /** `table`: where assignees are records (a bulk assign checks the one it is given exists). */
  assignee?: { field: string; permission: string; table: string };
  /** Live records that name this one: while any exists, it cannot be deleted (409). */
  referencedBy?: readonly Referrer[];
  /** A record in this state refuses every change and deletion (the condition names bare columns). */
  frozen?: { condition: RawBuilder<boolean>; error: () => AppError };
}

/** How a list of one kind of record filters and sorts. Expressions are over the row `r`. */
export interface ListSpec {
  sorts: Readonly<Record<string, SortKey>>;
  /** `created_at` or `-created_at` (descending). */
  defaultSort: string;
  filters: Readonly<Record<string, (value: never) => RawBuilder<unknown>>>;
}

export type RecordRow = Record<string, unknown>;
