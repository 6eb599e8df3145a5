import { Type, type Static } from 'typebox';
import {
  Nullable,
  Pagination,
  RecordFields,
  Timestamp,
  Uuid,
  VersionField,
} from '../../platform/schemas.js';
import { ListQuery } from '../../platform/records/list-query.js';

const Login = Type.String({ minLength: 2, maxLength: 64, pattern: '^[A-Za-z0-9._@-]+$' });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Email = Type.String({ format: 'email', maxLength: 254 });
const Phone = Type.String({ minLength: 3, maxLength: 32, pattern: '^[+0-9 ()./-]+$' });
const Permission = Type.String({ pattern: '^[a-z_]+\\.[a-z_]+$' });

export const PersonSchema = Type.Object({
  ...RecordFields,
  login: Type.String(),
  name: Type.String(),
  email: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  site_id: Nullable(Uuid),
  role_ids: Type.Array(Uuid),
  is_active: Type.Boolean(),
});
export type PersonRecord = Static<typeof PersonSchema>;

export const CreatePersonBody = Type.Object(
  {
    login: Login,
    name: Name,
    email: Type.Optional(Nullable(Email)),
    phone: Type.Optional(Nullable(Phone)),
    site_id: Type.Optional(Nullable(Uuid)),
    role_ids: Type.Optional(Type.Array(Uuid, { maxItems: 50, uniqueItems: true })),
    is_active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreatePersonInput = Static<typeof CreatePersonBody>;

export const UpdatePersonBody = Type.Object(
  {
    login: Type.Optional(Login),
    name: Type.Optional(Name),
    email: Type.Optional(Nullable(Email)),
    phone: Type.Optional(Nullable(Phone)),
    site_id: Type.Optional(Nullable(Uuid)),
    role_ids: Type.Optional(Type.Array(Uuid, { maxItems: 50, uniqueItems: true })),
    is_active: Type.Optional(Type.Boolean()),
    version: VersionField,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdatePersonInput = Static<typeof UpdatePersonBody>;

export const ListPeopleQuery = ListQuery(
  { site_id: Uuid, is_active: Type.Boolean(), q: Type.String({ maxLength: 200 }) },
  ['name', 'login', 'created_at', 'updated_at'],
);
export type ListPeopleFilter = Static<typeof ListPeopleQuery>;

export const RoleSchema = Type.Object({
  ...RecordFields,
  name: Type.String(),
  description: Nullable(Type.String()),
  permissions: Type.Array(Type.String()),
});
export type RoleRecord = Static<typeof RoleSchema>;

export const CreateRoleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    permissions: Type.Array(Permission, { maxItems: 200, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type CreateRoleInput = Static<typeof CreateRoleBody>;

export const UpdateRoleBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    permissions: Type.Optional(Type.Array(Permission, { maxItems: 200, uniqueItems: true })),
    version: VersionField,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateRoleInput = Static<typeof UpdateRoleBody>;

export const TokenSchema = Type.Object({
  id: Uuid,
  person_id: Uuid,
  name: Type.String(),
  expires_at: Nullable(Timestamp),
  revoked_at: Nullable(Timestamp),
  created_at: Timestamp,
  created_by: Nullable(Uuid),
});
export type TokenRecord = Static<typeof TokenSchema>;

export const ListTokensQuery = ListQuery(
  { person_id: Type.String({ format: 'uuid', description: 'Whose tokens (tenant admins only)' }) },
  ['created_at', 'name', 'expires_at'],
);
export type ListTokensFilter = Static<typeof ListTokensQuery>;

export const ListRolesQuery = ListQuery({}, ['name', 'created_at', 'updated_at']);

/** Returned once, at creation: the only time the secret is shown. */
export const IssuedTokenSchema = Type.Object({ ...TokenSchema.properties, token: Type.String() });
export type IssuedToken = Static<typeof IssuedTokenSchema>;

export const CreateTokenBody = Type.Object(
  {
    person_id: Uuid,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    expires_at: Type.Optional(Nullable(Timestamp)),
  },
  { additionalProperties: false },
);
export type CreateTokenInput = Static<typeof CreateTokenBody>;

export const TENANT_PLANS = ['standard', 'premium'] as const;

/** Per-policy limits a tenant's people get instead of their plan's: `{"search": 2000, "bulk": 30}`. */
const RateLimitOverrides = Type.Object(
  {
    search: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    bulk: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

/** A key word redacted like the built-in ones (`badge` redacts `badge_number`, `badgeId`). */
const PiiKey = Type.String({
  minLength: 2,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_-]*[A-Za-z0-9][A-Za-z0-9_-]*$',
});

export const TenantSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  slug: Type.String(),
  retention_days: Type.Integer(),
  payroll_grace_days: Type.Integer(),
  require_if_match: Type.Boolean(),
  legal_hold: Type.Boolean(),
  pii_keys: Type.Array(Type.String()),
  plan: Type.Enum(TENANT_PLANS),
  rate_limits: RateLimitOverrides,
  version: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type TenantRecord = Static<typeof TenantSchema>;

/** A tenant's plan and rate-limit overrides, set by the platform admin (SPEC §9). */
export const UpdateTenantPlanBody = Type.Object(
  {
    plan: Type.Optional(Type.Enum(TENANT_PLANS)),
    rate_limits: Type.Optional(RateLimitOverrides),
    version: VersionField,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateTenantPlanInput = Static<typeof UpdateTenantPlanBody>;

export const UpdateTenantSettingsBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    require_if_match: Type.Optional(
      Type.Boolean({ description: 'Writes must name the version they were based on (else 428)' }),
    ),
    payroll_grace_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 31 })),
    retention_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500 })),
    pii_keys: Type.Optional(
      Type.Array(PiiKey, {
        maxItems: 50,
        uniqueItems: true,
        description: 'Extra key words whose values audit entries redact, from the next request on',
      }),
    ),
    legal_hold: Type.Optional(
      Type.Boolean({ description: 'Suspends the retention purge of this tenant (SPEC §7)' }),
    ),
    version: VersionField,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateTenantSettingsInput = Static<typeof UpdateTenantSettingsBody>;

export const CreateTenantBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    slug: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$' }),
    admin: Type.Object(
      { login: Login, name: Name, email: Type.Optional(Nullable(Email)) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type CreateTenantInput = Static<typeof CreateTenantBody>;

export const CreatedTenantSchema = Type.Object({
  tenant: TenantSchema,
  admin: PersonSchema,
  token: IssuedTokenSchema,
});

export const MeSchema = Type.Object({
  person: PersonSchema,
  tenant: TenantSchema,
  roles: Type.Array(Type.Object({ id: Uuid, name: Type.String() })),
  permissions: Type.Array(Type.String()),
});

export const listOf = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ data: Type.Array(item), pagination: Pagination });
