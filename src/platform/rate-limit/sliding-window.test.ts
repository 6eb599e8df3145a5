import { describe, expect, it } from 'vitest';
import { memoryLimiter, verdictOf } from './sliding-window.js';

const WINDOW = 300_000;

describe('sliding-window limiter (in process)', () => {
  it('allows the limit within a window, then answers with the wait', async () => {
    let now = 10 * WINDOW + 1000;
    const limiter = memoryLimiter(() => now);
    for (let i = 1; i <= 20; i++) {
      const verdict = await limiter.hit('ip:1', 20, WINDOW);
      expect(verdict).toMatchObject({ allowed: true, remaining: 20 - i });
    }
    const refused = await limiter.hit('ip:1', 20, WINDOW);
    expect(refused.allowed).toBe(false);
    // Nothing from the previous window: room again once this window has passed and faded.
    expect(refused.retryAfterMs).toBeGreaterThanOrEqual(WINDOW - 1000);
    expect((await limiter.hit('ip:2', 20, WINDOW)).allowed).toBe(true);
    now += refused.retryAfterMs;
    expect((await limiter.hit('ip:1', 20, WINDOW)).allowed).toBe(true);
  });

  it('weighs the previous window by its overlap with the sliding window', async () => {
    let now = 10 * WINDOW;
    const limiter = memoryLimiter(() => now);
    for (let i = 0; i < 10; i++) await limiter.hit('k', 10, WINDOW);
    // Halfway into the next window half of those 10 still count: 5 more fit.
    now = 11 * WINDOW + WINDOW / 2;
    let allowed = 0;
    for (let i = 0; i < 10; i++) if ((await limiter.hit('k', 10, WINDOW)).allowed) allowed++;
    expect(allowed).toBe(5);
    // Two windows later nothing counts.
    now = 13 * WINDOW;
    expect((await limiter.hit('k', 10, WINDOW)).remaining).toBe(9);
  });

  it('tells when the previous window has faded enough for one more', () => {
    const verdict = verdictOf(false, { previous: 10, current: 5, elapsedMs: 0 }, WINDOW, 10);
    // 10 × (1 - t/W) + 5 + 1 <= 10 once t >= 0.6 W.
    expect(verdict.retryAfterMs).toBe(0.6 * WINDOW);
  });
});
