/** The channel on which migration 0004's triggers announce a tenant whose principals changed. */
export const PRINCIPALS_CHANNEL = 'facilityflow_principals';

/**
 * Recently resolved tokens, so most requests skip the lookup (ADR 0007). Trustworthy only while
 * invalidations are heard: `setListening(false)` empties it and keeps it empty until they are
 * heard again. A tenant's entries go as soon as a change to its tokens, people, roles or settings
 * is announced, and every entry expires after `ttlMs` (or with its token, if sooner).
 */
export class PrincipalCache<P extends { tenantId: string; tokenExpiresAt: Date | null }> {
  readonly #entries = new Map<string, { principal: P; expiresAt: number }>();
  /** Bumped by every invalidation of a tenant: a lookup that began before it is not cached. */
  readonly #generations = new Map<string, number>();
  /** Bumped when listening starts or stops: a change made meanwhile may not have been heard. */
  #epoch = 0;
  #listening = false;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  setListening(listening: boolean): void {
    this.#listening = listening;
    this.#epoch += 1;
    this.#entries.clear();
  }

  /** The cached principal of a token hash, if fresh. */
  get(tokenHash: string, now = Date.now()): P | undefined {
    const entry = this.#entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.expiresAt > now) return entry.principal;
    this.#entries.delete(tokenHash);
    return undefined;
  }

  /** Read before a lookup, handed back to `set`: a tenant invalidated meanwhile is not cached. */
  generation(tenantId: string): string {
    return `${this.#epoch}:${this.#generations.get(tenantId) ?? 0}`;
  }

  set(tokenHash: string, principal: P, generation: string, now = Date.now()): void {
    if (!this.#listening || this.ttlMs <= 0) return;
    if (this.generation(principal.tenantId) !== generation) return;
    if (this.#entries.size >= this.maxEntries) {
      // The oldest insertion goes first (a Map iterates in insertion order).
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    const tokenExpiry = principal.tokenExpiresAt?.getTime() ?? Infinity;
    this.#entries.set(tokenHash, {
      principal,
      expiresAt: Math.min(now + this.ttlMs, tokenExpiry),
    });
  }

  forgetTenant(tenantId: string): void {
    this.#generations.set(tenantId, (this.#generations.get(tenantId) ?? 0) + 1);
    for (const [key, entry] of this.#entries) {
      if (entry.principal.tenantId === tenantId) this.#entries.delete(key);
    }
  }
}
