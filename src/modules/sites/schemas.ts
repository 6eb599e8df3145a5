import { Type, type Static } from 'typebox';
import { ListQuery } from '../../platform/records/list-query.js';
import { Code, Nullable, RecordFields, Text, Uuid, VersionField } from '../../platform/schemas.js';

/** A GeoJSON position: `[longitude, latitude]`, in that order. */
const Position = Type.Tuple([
  Type.Number({ minimum: -180, maximum: 180 }),
  Type.Number({ minimum: -90, maximum: 90 }),
]);

/** A GeoJSON Polygon: an outer ring, then any holes; each ring closed (first = last position). */
export const GeoJsonPolygon = Type.Object(
  {
    type: Type.Literal('Polygon'),
    coordinates: Type.Array(Type.Array(Position, { minItems: 4, maxItems: 1000 }), {
      minItems: 1,
      maxItems: 50,
    }),
  },
  { additionalProperties: false },
);
export type Polygon = Static<typeof GeoJsonPolygon>;

/** "HH:MM", 24-hour. */
const ClockTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });
const TimeZone = Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone' });

export const SiteSchema = Type.Object({
  ...RecordFields,
  code: Type.String(),
  name: Type.String(),
  timezone: Type.String(),
  geofence: Nullable(GeoJsonPolygon),
  shift_start: Nullable(Type.String()),
  shift_end: Nullable(Type.String()),
});
export type SiteRecord = Static<typeof SiteSchema>;

export const CreateSiteBody = Type.Object(
  {
    code: Code,
    name: Text(200),
    timezone: Type.Optional(TimeZone),
    geofence: Type.Optional(Nullable(GeoJsonPolygon)),
    shift_start: Type.Optional(Nullable(ClockTime)),
    shift_end: Type.Optional(Nullable(ClockTime)),
  },
  { additionalProperties: false },
);
export type CreateSiteInput = Static<typeof CreateSiteBody>;

export const UpdateSiteBody = Type.Object(
  {
    code: Type.Optional(Code),
    name: Type.Optional(Text(200)),
    timezone: Type.Optional(TimeZone),
    geofence: Type.Optional(Nullable(GeoJsonPolygon)),
    shift_start: Type.Optional(Nullable(ClockTime)),
    shift_end: Type.Optional(Nullable(ClockTime)),
    version: VersionField,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateSiteInput = Static<typeof UpdateSiteBody>;

export const SITE_SORTS = ['code', 'name', 'created_at', 'updated_at'];

export const ListSitesQuery = ListQuery(
  { code: Type.String({ maxLength: 32 }), timezone: TimeZone, id: Uuid },
  SITE_SORTS,
);
