import { Type, type TProperties } from 'typebox';
import { PageQuery } from '../schemas.js';

/**
 * The query string of a list: pagination, a cursor, `sort` (a key, `-` first for descending) and
 * the list's own filters, all optional; nothing else is accepted.
 */
export function ListQuery<Filters extends TProperties>(
  filters: Filters,
  sortKeys: readonly string[],
) {
  const optionalFilters = Object.fromEntries(
    Object.entries(filters).map(([name, schema]) => [name, Type.Optional(schema)]),
  ) as { [K in keyof Filters]: ReturnType<typeof Type.Optional<Filters[K]>> };
  return Type.Object(
    {
      ...PageQuery,
      cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
      sort: Type.Optional(
        Type.Enum(
          sortKeys.flatMap((key) => [key, `-${key}`]),
          {
            description: 'Sort key; prefix with - for descending',
          },
        ),
      ),
      ...optionalFilters,
    },
    { additionalProperties: false },
  );
}
