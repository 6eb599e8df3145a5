/**
 * Calls to Redis that must not hold a request up when Redis is slow or down: each call is bounded
 * by a timeout, and after a failure Redis is left alone for a short pause, so callers fall back
 * at once instead of each waiting out the timeout.
 */
export interface RedisGuard {
  call<T>(work: () => Promise<T>): Promise<T>;
}

export class RedisUnavailableError extends Error {
  constructor(cause?: unknown) {
    super('Redis is unavailable', { cause });
    this.name = 'RedisUnavailableError';
  }
}

export function redisGuard(options: { timeoutMs?: number; pauseMs?: number } = {}): RedisGuard {
  const timeoutMs = options.timeoutMs ?? 250;
  const pauseMs = options.pauseMs ?? 1000;
  let pausedUntil = 0;
  return {
    async call(work) {
      if (Date.now() < pausedUntil) throw new RedisUnavailableError();
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          work(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('Redis call timed out')), timeoutMs);
          }),
        ]);
      } catch (error) {
        pausedUntil = Date.now() + pauseMs;
        throw new RedisUnavailableError(error);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
