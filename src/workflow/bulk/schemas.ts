import { Type, type Static, type TObject, type TProperties } from 'typebox';
import { Uuid } from '../../platform/schemas.js';

/** What every bulk request may carry (SPEC §8); each endpoint adds its own fields. */
export const BulkFields = {
  // Neither bounded nor deduplicated here: the engine answers EMPTY_IDS, TOO_MANY_IDS and
  // DUPLICATE_IDS itself.
  ids: Type.Array(Uuid),
  comments: Type.Optional(Type.String({ maxLength: 2000 })),
  metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  dry_run: Type.Optional(Type.Boolean({ default: false })),
  rollback_on_error: Type.Optional(Type.Boolean({ default: true })),
  versions: Type.Optional(
    Type.Record(Type.String(), Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), {
      description: '{id: version}: the version each record was read at',
    }),
  ),
};

/** A validated bulk body: the common fields, and the endpoint's own. */
export type BulkBodyValue = Static<TObject<typeof BulkFields>> & Record<string, unknown>;

export const BulkBody = (properties: TProperties) =>
  Type.Object({ ...BulkFields, ...properties }, { additionalProperties: false });

export const BulkHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
});

/** The report of SPEC §8; sent as serialised once, so a replay is the same bytes. */
export const BulkReportSchema = Type.Object({
  operation_type: Type.String(),
  total_items: Type.Integer(),
  successful_items: Type.Integer(),
  failed_items: Type.Integer(),
  success_rate: Type.Number(),
  successful_ids: Type.Array(Uuid),
  failed_ids: Type.Array(Uuid),
  failure_details: Type.Record(Type.String(), Type.String()),
  failure_codes: Type.Record(Type.String(), Type.String()),
  warnings: Type.Array(Type.Object({ id: Uuid, code: Type.String(), message: Type.String() })),
  was_rolled_back: Type.Boolean(),
  rollback_reason: Type.Union([Type.String(), Type.Null()]),
  rolled_back_ids: Type.Array(Uuid),
  dry_run: Type.Boolean(),
  audit_correlation_id: Type.Union([Uuid, Type.Null()]),
});
