import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import type { RedisGuard } from '../redis-guard.js';
import { rateLimitHooks, type RateLimitPolicy } from './http-hooks.js';
import { rateLimiter } from './limiter.js';

export type { RateLimitPolicy } from './http-hooks.js';

const FALLBACK_LOG_EVERY_MS = 10_000;

/**
 * The rate limiter of SPEC §9 with its metrics: `rate_limited_total` (429s by policy) and
 * `rate_limit_fallbacks_total` (checks the in-process limiter made while Redis failed).
 */
export function createRateLimiting(options: {
  redis: Redis | null;
  guard: RedisGuard;
  policies: Readonly<Record<string, RateLimitPolicy>>;
  registry: Registry;
  log: FastifyBaseLogger;
}) {
  const limited = new Counter({
    name: 'rate_limited_total',
    help: 'Requests refused with 429 by the rate limiter, by policy',
    labelNames: ['policy'] as const,
    registers: [options.registry],
  });
  const fallbacks = new Counter({
    name: 'rate_limit_fallbacks_total',
    help: 'Rate-limit checks made in process because Redis failed',
    registers: [options.registry],
  });
  let lastLogged = 0;
  const limiter = rateLimiter({
    redis: options.redis,
    guard: options.guard,
    onFallback(error) {
      fallbacks.inc();
      if (Date.now() - lastLogged < FALLBACK_LOG_EVERY_MS) return;
      lastLogged = Date.now();
      options.log.warn({ err: error }, 'rate limiter: Redis failed, counting in process');
    },
  });
  return rateLimitHooks({
    limiter,
    policies: options.policies,
    onLimited: (policy) => limited.inc({ policy }),
  });
}
