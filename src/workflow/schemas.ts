import { Type, type TObject } from 'typebox';
import { Timestamp, VersionField } from '../platform/schemas.js';

export const TransitionBody = (states: readonly string[]) =>
  Type.Object(
    {
      target_state: Type.Enum(states),
      comments: Type.Optional(Type.String({ maxLength: 2000 })),
      metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      version: VersionField,
    },
    { additionalProperties: false },
  );

const WarningSchema = Type.Object({ code: Type.String(), message: Type.String() });

/** The record after the transition, with what happened and what the caller should know. */
export const TransitionResponse = (record: TObject) =>
  Type.Object({
    ...record.properties,
    transition: Type.Object({
      from_state: Type.String(),
      to_state: Type.String(),
      at: Timestamp,
    }),
    warnings: Type.Array(WarningSchema),
  });

export const TransitionOptionsResponse = Type.Object({
  current_state: Type.String(),
  version: Type.Integer(),
  transitions: Type.Array(
    Type.Object({
      to_state: Type.String(),
      name: Type.Union([Type.String(), Type.Null()]),
      permission: Type.String(),
      comments_required: Type.Boolean(),
      input_rules: Type.Array(Type.String()),
      allowed: Type.Boolean(),
      reasons: Type.Array(WarningSchema),
    }),
  ),
});

const RuleSchema = Type.Object({ code: Type.String(), description: Type.String() });

export const WorkflowDescription = Type.Object({
  entity: Type.String(),
  path: Type.String(),
  initial_state: Type.String(),
  states: Type.Array(Type.String()),
  terminal_states: Type.Array(Type.String()),
  transitions: Type.Array(
    Type.Object({
      from_state: Type.String(),
      to_state: Type.String(),
      name: Type.Union([Type.String(), Type.Null()]),
      permission: Type.String(),
      comments_required: Type.Boolean(),
      rules: Type.Array(RuleSchema),
      warnings: Type.Array(RuleSchema),
    }),
  ),
  permissions: Type.Array(Type.String()),
});

export const WorkflowParams = Type.Object(
  { entity: Type.String({ maxLength: 64 }) },
  { additionalProperties: false },
);
