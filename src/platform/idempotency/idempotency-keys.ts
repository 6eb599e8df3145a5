import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Tx } from '../db/transactions.js';
import { AppError } from '../errors.js';

/** How long a key's first response is replayed (SPEC §8). */
export const IDEMPOTENCY_TTL_HOURS = 24;

/** Whose key it is: a key is one person's, within their tenant. */
export interface KeyOwner {
  tenantId: string;
  actorId: string;
}

export interface IdempotentRequest {
  key: string;
  /** What the key was first used for: the same key with another hash is refused. */
  requestHash: string;
}

/** A key's first response (a 200), to send again. */
export type Claim = { kind: 'new' } | { kind: 'replay'; response: string };

/** A digest of what makes two requests "the same": what they do, keys in any order. */
export function requestHash(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

/**
 * Takes the key for this request inside `tx`, or finds the response it already has. A second
 * request with the key waits on the first one's row until that commits (then replays it) or
 * rolls back (then takes the key itself), so concurrent requests under one key apply once.
 * An expired key is taken over. The same key with another request is 422.
 */
export async function claimIdempotencyKey(
  tx: Tx,
  owner: KeyOwner,
  request: IdempotentRequest,
): Promise<Claim> {
  const { rows: taken } = await sql`
    insert into idempotency_keys (tenant_id, actor_id, key, request_hash, expires_at)
    values (${owner.tenantId}, ${owner.actorId}, ${request.key}, ${request.requestHash},
      now() + make_interval(hours => ${IDEMPOTENCY_TTL_HOURS}))
    on conflict (tenant_id, actor_id, key) do update
      set request_hash = excluded.request_hash, response = null, created_at = now(),
        expires_at = excluded.expires_at
      where idempotency_keys.expires_at <= now()
    returning 1`.execute(tx);
  if (taken.length > 0) return { kind: 'new' };
  // The row is live: now() is the transaction's start in both statements.
  return (await storedResponse(tx, owner, request))!;
}

/**
 * The response a live key holds, without taking the key (a dry run writes nothing); null when the
 * key is unused or expired. The same key with another request is 422.
 */
export async function storedResponse(
  tx: Tx,
  owner: KeyOwner,
  request: IdempotentRequest,
): Promise<Claim | null> {
  const { rows } = await sql<{ request_hash: string; response: string }>`
    select request_hash, response from idempotency_keys
    where tenant_id = ${owner.tenantId} and actor_id = ${owner.actorId} and key = ${request.key}
      and expires_at > now()`.execute(tx);
  const stored = rows[0];
  if (!stored) return null;
  if (stored.request_hash !== request.requestHash) {
    throw new AppError('IDEMPOTENCY_KEY_REUSED', {
      message: 'This Idempotency-Key was already used with another request',
    });
  }
  return { kind: 'replay', response: stored.response };
}

/** Keeps the response of a claimed key, in the transaction that made it. */
export async function storeIdempotentResponse(
  tx: Tx,
  owner: KeyOwner,
  key: string,
  response: string,
): Promise<void> {
  await sql`
    update idempotency_keys set response = ${response}
    where tenant_id = ${owner.tenantId} and actor_id = ${owner.actorId} and key = ${key}`.execute(
    tx,
  );
}

/** JSON with object keys sorted, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : inner,
  );
}
