import { sql, type RawBuilder } from 'kysely';
import { Type, type TString } from 'typebox';
import type { SortKey } from '../pagination.js';
import { PRIORITIES } from '../schemas.js';

/** Filters and sort keys of lists, as expressions over the row `r`. */

const column = (name: string) => sql.ref(`r.${name}`);

/** `status=OPEN,INPROGRESS`: any of the listed values. */
export const oneOf =
  (name: string) =>
  (value: string): RawBuilder<unknown> =>
    sql`${column(name)} = any(${value.split(',')}::text[])`;

export const equals =
  (name: string) =>
  (value: unknown): RawBuilder<unknown> =>
    sql`${column(name)} = ${value}`;

export const atLeast =
  (name: string) =>
  (value: unknown): RawBuilder<unknown> =>
    sql`${column(name)} >= ${value}`;

export const atMost =
  (name: string) =>
  (value: unknown): RawBuilder<unknown> =>
    sql`${column(name)} <= ${value}`;

/** `q=boiler`: a case-insensitive substring of any of the columns (`%` and `_` match themselves). */
export const containsText =
  (...names: string[]) =>
  (text: string): RawBuilder<unknown> => {
    const pattern = `%${text.replace(/[\\%_]/g, '\\$&')}%`;
    return sql`(${sql.join(
      names.map((name) => sql`${column(name)} ilike ${pattern}`),
      sql` or `,
    )})`;
  };

/** A comma-separated list of enum values, checked by the schema. */
export function EnumList(values: readonly string[]): TString {
  const one = `(${values.join('|')})`;
  return Type.String({
    pattern: `^${one}(,${one})*$`,
    description: `One or more of ${values.join(', ')}, comma-separated`,
  });
}

export const sortByColumn = (name: string, type: SortKey['type'], nullable = false): SortKey => ({
  expression: column(name),
  type,
  nullable,
});

/** Priority sorts by rank (LOW < MEDIUM < HIGH < CRITICAL), not alphabetically. */
export const sortByPriority: SortKey = {
  expression: sql`array_position(${[...PRIORITIES]}::text[], r.priority)`,
  type: 'integer',
};

/** The sort keys every record has. */
export const COMMON_SORTS = {
  created_at: sortByColumn('created_at', 'timestamptz'),
  updated_at: sortByColumn('updated_at', 'timestamptz'),
};
