import { Type, type Static } from 'typebox';
import { ListQuery } from '../../platform/records/list-query.js';
import { Code, Nullable, RecordFields, Text, VersionField } from '../../platform/schemas.js';

/** The same shapes as a site's code and a person's e-mail and phone. */
const Email = Type.String({ format: 'email', maxLength: 254 });
const Phone = Type.String({ minLength: 3, maxLength: 32, pattern: '^[+0-9 ()./-]+$' });

export const VendorSchema = Type.Object({
  ...RecordFields,
  code: Type.String(),
  name: Type.String(),
  email: Nullable(Type.String()),
  phone: Nullable(Type.String()),
});
export type VendorRecord = Static<typeof VendorSchema>;

export const CreateVendorBody = Type.Object(
  {
    code: Code,
    name: Text(200),
    email: Type.Optional(Nullable(Email)),
    phone: Type.Optional(Nullable(Phone)),
  },
  { additionalProperties: false },
);
export type CreateVendorInput = Static<typeof CreateVendorBody>;

export const UpdateVendorBody = Type.Object(
  {
    code: Type.Optional(Code),
    name: Type.Optional(Text(200)),
    email: Type.Optional(Nullable(Email)),
    phone: Type.Optional(Nullable(Phone)),
    version: VersionField,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateVendorInput = Static<typeof UpdateVendorBody>;

export const VENDOR_SORTS = ['code', 'name', 'created_at', 'updated_at'];

export const ListVendorsQuery = ListQuery(
  { code: Type.String({ maxLength: 32 }), q: Type.String({ maxLength: 200 }) },
  VENDOR_SORTS,
);
