import { Type, type TSchema } from 'typebox';

/** Schema pieces every module's records share (SPEC §4). */
export const Uuid = Type.String({ format: 'uuid' });
/** Serialised as ISO 8601; typed to accept the Date objects the database driver returns. */
export const Timestamp = Type.Unsafe<string | Date>(Type.String({ format: 'date-time' }));
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A timestamp a client sends: ISO 8601 text. */
export const DateTime = Type.String({ format: 'date-time' });

/** A short identifier a tenant gives a site, vendor or asset: `LON-HQ`, `AHU-01`. */
export const Code = Type.String({
  minLength: 1,
  maxLength: 32,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
});

export const PRIORITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export const Priority = Type.Enum(PRIORITIES);

/** Required text of bounded length. */
export const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const RecordFields = {
  id: Uuid,
  tenant_id: Uuid,
  version: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
  created_by: Nullable(Uuid),
  updated_by: Nullable(Uuid),
};

/** A write's optional `version` (SPEC §5): the record version it was based on. */
export const VersionField = Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 }));

export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
};

export const Pagination = Type.Object({
  type: Type.Union([Type.Literal('offset'), Type.Literal('cursor')]),
  page: Type.Integer(),
  page_size: Type.Integer(),
  total_count: Type.Integer(),
  total_count_estimated: Type.Boolean(),
  total_pages: Type.Integer(),
  has_next: Type.Boolean(),
  has_previous: Type.Boolean(),
  next_cursor: Nullable(Type.String()),
});

export const IfMatchHeader = Type.Object({ 'if-match': Type.Optional(Type.String()) });
