import type { Redis } from 'ioredis';
import type { RedisGuard } from '../redis-guard.js';
import { verdictOf, type Limiter } from './sliding-window.js';

/**
 * The sliding-window counter of sliding-window.ts as one Lua script, so the read, the decision
 * and the increment are atomic across every process, on Redis's clock. One hash per key, a field
 * per fixed window; older windows are dropped as it goes.
 */
const SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local index = math.floor(now / window)
local elapsed = now - index * window
local current = tonumber(redis.call('HGET', KEYS[1], tostring(index)) or '0')
local previous = tonumber(redis.call('HGET', KEYS[1], tostring(index - 1)) or '0')
local allowed = 0
if previous * (window - elapsed) / window + current + 1 <= limit then
  current = redis.call('HINCRBY', KEYS[1], tostring(index), 1)
  allowed = 1
end
if redis.call('HLEN', KEYS[1]) > 2 then
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    if tonumber(field) < index - 1 then redis.call('HDEL', KEYS[1], field) end
  end
end
redis.call('PEXPIRE', KEYS[1], window * 2)
return {allowed, previous, current, elapsed}
`;

type Reply = [number, number, number, number];
type WithScript = Redis & {
  slidingWindowHit(key: string, windowMs: number, limit: number): Promise<Reply>;
};

export function redisLimiter(redis: Redis, guard: RedisGuard): Limiter {
  // Sent once, then called by its SHA (ioredis reloads it if the server forgot it).
  if (!('slidingWindowHit' in redis)) {
    redis.defineCommand('slidingWindowHit', { numberOfKeys: 1, lua: SCRIPT });
  }
  const scripted = redis as WithScript;
  return {
    async hit(key, limit, windowMs) {
      const [allowed, previous, current, elapsedMs] = await guard.call(() =>
        scripted.slidingWindowHit(`rl:${key}`, windowMs, limit),
      );
      return verdictOf(allowed === 1, { previous, current, elapsedMs }, windowMs, limit);
    },
  };
}
