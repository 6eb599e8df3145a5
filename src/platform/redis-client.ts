import { Redis } from 'ioredis';

/**
 * The process's Redis client, or null without a URL. It connects on first use, and a command
 * fails after one reconnection attempt instead of queueing: callers fall back (redis-guard.ts).
 */
export function openRedis(url: string | undefined, keyPrefix: string | undefined): Redis | null {
  return url ? new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, keyPrefix }) : null;
}
