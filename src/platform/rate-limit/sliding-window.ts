import { LRUCache } from 'lru-cache';

/**
 * The sliding-window counter (SPEC §9): a count per fixed window, and the previous window's count
 * weighted by how much of it still lies within the sliding window. Redis runs the same rule in
 * one Lua script (redis-limiter.ts); this file is its in-process twin and the arithmetic both
 * share.
 */
export interface WindowState {
  /** Requests counted in the previous and the current fixed window (after this one). */
  previous: number;
  current: number;
  /** Milliseconds since the current fixed window began. */
  elapsedMs: number;
}

export interface Verdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the count next goes down (blocked: until a request is allowed again). */
  resetMs: number;
  /** Blocked only: milliseconds until a request would be allowed. */
  retryAfterMs: number;
}

/** The count the sliding window holds: the previous window weighted by its overlap. */
export function slidingCount(state: WindowState, windowMs: number): number {
  return (state.previous * (windowMs - state.elapsedMs)) / windowMs + state.current;
}

/** Whether one more request fits, before it is counted. */
export function fits(state: WindowState, windowMs: number, limit: number): boolean {
  return slidingCount(state, windowMs) + 1 <= limit;
}

/** Headers and Retry-After from the state after the decision. */
export function verdictOf(
  allowed: boolean,
  state: WindowState,
  windowMs: number,
  limit: number,
): Verdict {
  const remaining = Math.max(0, Math.floor(limit - slidingCount(state, windowMs)));
  const untilNextWindow = windowMs - state.elapsedMs;
  if (allowed) {
    return { allowed, limit, remaining, resetMs: untilNextWindow, retryAfterMs: 0 };
  }
  let retryAfterMs: number;
  const room = limit - 1 - state.current;
  if (room >= 0 && state.previous > 0) {
    // The previous window's weight falls until one request fits.
    const at = windowMs * (1 - room / state.previous);
    retryAfterMs = Math.max(1, Math.ceil(at - state.elapsedMs));
  } else {
    // Only after this window closes, and its count has faded enough.
    const fade = state.current > 0 ? Math.max(0, windowMs * (1 - (limit - 1) / state.current)) : 0;
    retryAfterMs = Math.ceil(untilNextWindow + fade);
  }
  return { allowed, limit, remaining: 0, resetMs: retryAfterMs, retryAfterMs };
}

export interface Limiter {
  /** Counts one request against `key` if it fits within `limit` per `windowMs`. */
  hit(key: string, limit: number, windowMs: number): Promise<Verdict>;
}

/** The in-process limiter: embedded mode, and the fallback while Redis fails. */
export function memoryLimiter(now: () => number = Date.now): Limiter {
  const windows = new LRUCache<string, { index: number; previous: number; current: number }>({
    max: 100_000,
  });
  return {
    async hit(key, limit, windowMs) {
      const time = now();
      const index = Math.floor(time / windowMs);
      let entry = windows.get(key);
      if (!entry || entry.index < index - 1) entry = { index, previous: 0, current: 0 };
      else if (entry.index === index - 1) entry = { index, previous: entry.current, current: 0 };
      const state = {
        previous: entry.previous,
        current: entry.current,
        elapsedMs: time % windowMs,
      };
      const allowed = fits(state, windowMs, limit);
      if (allowed) state.current = ++entry.current;
      windows.set(key, entry);
      return verdictOf(allowed, state, windowMs, limit);
    },
  };
}
