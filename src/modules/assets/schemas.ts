import { Type, type Static } from 'typebox';
import { ListQuery } from '../../platform/records/list-query.js';
import { Code, Nullable, RecordFields, Text, Uuid, VersionField } from '../../platform/schemas.js';

/** The same shape as a site's code. */

export const AssetSchema = Type.Object({
  ...RecordFields,
  code: Type.String(),
  name: Type.String(),
  site_id: Uuid,
  category: Nullable(Type.String()),
});
export type AssetRecord = Static<typeof AssetSchema>;

export const CreateAssetBody = Type.Object(
  {
    code: Code,
    name: Text(200),
    site_id: Uuid,
    category: Type.Optional(Nullable(Text(64))),
  },
  { additionalProperties: false },
);
export type CreateAssetInput = Static<typeof CreateAssetBody>;

export const UpdateAssetBody = Type.Object(
  {
    code: Type.Optional(Code),
    name: Type.Optional(Text(200)),
    site_id: Type.Optional(Uuid),
    category: Type.Optional(Nullable(Text(64))),
    version: VersionField,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateAssetInput = Static<typeof UpdateAssetBody>;

export const ASSET_SORTS = ['code', 'name', 'category', 'created_at', 'updated_at'];

export const ListAssetsQuery = ListQuery(
  {
    site_id: Uuid,
    category: Type.String({ maxLength: 64 }),
    code: Type.String({ maxLength: 32 }),
    q: Type.String({ maxLength: 200 }),
  },
  ASSET_SORTS,
);
