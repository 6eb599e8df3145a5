import { Type, type Static } from 'typebox';
import { Nullable, Timestamp, Uuid } from '../../platform/schemas.js';

export const PROBLEM_KINDS = [
  'ALTERED',
  'DELETED',
  'INSERTED',
  'SEAL_ALTERED',
  'CHAIN_BROKEN',
] as const;

export const AuditProblemSchema = Type.Object({
  kind: Type.Enum(PROBLEM_KINDS),
  entry_id: Type.Optional(Uuid),
  seal_seq: Type.Optional(Type.Integer()),
  message: Type.String(),
});
export type AuditProblem = Static<typeof AuditProblemSchema>;

export const AuditVerificationSchema = Type.Object({
  tenant_id: Uuid,
  verified_at: Timestamp,
  ok: Type.Boolean(),
  seals_checked: Type.Integer(),
  /** Sealed entries re-hashed and found (altered or not), plus entries found in a sealed range. */
  entries_checked: Type.Integer(),
  /** Sealed entries gone after their retention: the purge, not a problem. */
  purged_entries: Type.Integer(),
  /** Entries newer than the last seal. */
  unsealed_entries: Type.Integer(),
  /** The head of the chain, to be kept outside the database (ADR 0011). */
  last_seal: Nullable(
    Type.Object({ seq: Type.Integer(), sealed_to: Timestamp, chain_hash: Type.String() }),
  ),
  /** Every problem found; `problems` lists the first of them. */
  problem_count: Type.Integer(),
  problems: Type.Array(AuditProblemSchema),
});
export type AuditVerification = Static<typeof AuditVerificationSchema>;
