import type { Redis } from 'ioredis';
import type { RedisGuard } from '../redis-guard.js';
import { redisLimiter } from './redis-limiter.js';
import { memoryLimiter, type Limiter } from './sliding-window.js';

/**
 * Redis when configured (counters shared by every process), the in-process twin otherwise. While
 * Redis fails, the twin counts instead and `onFallback` is told (log and metric): a limiter
 * failure never fails the request.
 */
export function rateLimiter(options: {
  redis: Redis | null;
  guard: RedisGuard;
  onFallback: (error: unknown) => void;
}): Limiter {
  const memory = memoryLimiter();
  if (!options.redis) return memory;
  const shared = redisLimiter(options.redis, options.guard);
  return {
    async hit(key, limit, windowMs) {
      try {
        return await shared.hit(key, limit, windowMs);
      } catch (error) {
        options.onFallback(error);
        return memory.hit(key, limit, windowMs);
      }
    },
  };
}
