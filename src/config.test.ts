import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

function problemsOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

const keysOf = (error: ConfigError) =>
  [...new Set(error.problems.map((problem) => problem.split(':')[0]))].sort();

const SEARCH_DEFAULTS = {
  rateLimit: { enabled: true, windowSeconds: 300, anonymous: 20, user: 100, premium: 500 },
  cacheTtlSeconds: 300,
  cacheEntries: 10_000,
  weights: {},
};

const BULK_DEFAULTS = { rateLimit: { enabled: true, windowSeconds: 60, perPerson: 10 } };

const JOBS_DEFAULTS = { enabled: true, auditPurgeCron: '0 * * * *', auditSealCron: '* * * * *' };

describe('loadConfig', () => {
  it('defaults to the embedded database on port 3000', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      redisUrl: undefined,
      redisKeyPrefix: undefined,
      redisTimeoutMs: 250,
      dataDir: './data',
      adminToken: undefined,
      logLevel: 'info',
      authCacheSeconds: 30,
      trustProxy: false,
      search: SEARCH_DEFAULTS,
      bulk: BULK_DEFAULTS,
      jobs: JOBS_DEFAULTS,
      audit: { exportConcurrency: 4 },
    });
  });

  it('treats empty values as unset and ignores unrelated variables', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', LOG_LEVEL: '', HOME: '/root' })).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      logLevel: 'info',
    });
  });

  it('reads every setting', () => {
    const adminToken = 'a'.repeat(32);
    expect(
      loadConfig({
        PORT: '8080',
        HOST: '127.0.0.1',
        DATABASE_URL: 'postgresql://app@db:5432/facilityflow',
        REDIS_URL: 'rediss://cache:6380',
        REDIS_KEY_PREFIX: 'eu-1:',
        REDIS_TIMEOUT_MS: '1000',
        DATA_DIR: '/var/lib/facilityflow',
        FACILITYFLOW_ADMIN_TOKEN: adminToken,
        LOG_LEVEL: 'debug',
        AUTH_CACHE_SECONDS: '0',
        AUDIT_EXPORT_CONCURRENCY: '2',
      }),
    ).toEqual({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'postgresql://app@db:5432/facilityflow',
      redisUrl: 'rediss://cache:6380',
      redisKeyPrefix: 'eu-1:',
      redisTimeoutMs: 1000,
      dataDir: '/var/lib/facilityflow',
      adminToken,
      logLevel: 'debug',
      authCacheSeconds: 0,
      trustProxy: false,
      search: SEARCH_DEFAULTS,
      bulk: BULK_DEFAULTS,
      jobs: JOBS_DEFAULTS,
      audit: { exportConcurrency: 2 },
    });
  });

  it('reads search limits, weights and trusted proxies', () => {
    const config = loadConfig({
      TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
      SEARCH_RATE_LIMIT_ENABLED: 'false',
      SEARCH_RATE_LIMIT_ANONYMOUS: '5',
      SEARCH_RATE_LIMIT_USER: '50',
      SEARCH_RATE_LIMIT_PREMIUM: '900',
      SEARCH_RATE_LIMIT_WINDOW_SECONDS: '60',
      SEARCH_CACHE_TTL_SECONDS: '30',
      SEARCH_WEIGHTS: '{"ticket": {"recency": 0.3, "text": 0.5}}',
    });
    expect(config.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(config.search).toMatchObject({
      rateLimit: { enabled: false, windowSeconds: 60, anonymous: 5, user: 50, premium: 900 },
      cacheTtlSeconds: 30,
      weights: { ticket: { recency: 0.3, text: 0.5 } },
    });
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(
      loadConfig({
        BULK_RATE_LIMIT: '25',
        BULK_RATE_LIMIT_WINDOW_SECONDS: '120',
        BULK_RATE_LIMIT_ENABLED: 'false',
      }).bulk,
    ).toEqual({ rateLimit: { enabled: false, windowSeconds: 120, perPerson: 25 } });
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
  });

  it('reads the background jobs switch and schedules', () => {
    expect(
      loadConfig({
        JOBS_ENABLED: 'false',
        AUDIT_PURGE_CRON: '15 3 * * *',
        AUDIT_SEAL_CRON: '*/5 0-6,22 1 1,6 0-7',
      }).jobs,
    ).toEqual({
      enabled: false,
      auditPurgeCron: '15 3 * * *',
      auditSealCron: '*/5 0-6,22 1 1,6 0-7',
    });
  });

  it.each([
    { key: 'SEARCH_WEIGHTS', value: 'not json' },
    { key: 'SEARCH_WEIGHTS', value: '{"invoice": {"text": 1}}' },
    { key: 'SEARCH_WEIGHTS', value: '{"ticket": {"luck": 1}}' },
    { key: 'SEARCH_WEIGHTS', value: '{"ticket": {"text": -1}}' },
    { key: 'SEARCH_RATE_LIMIT_USER', value: '0' },
    { key: 'BULK_RATE_LIMIT', value: '0' },
    { key: 'SEARCH_RATE_LIMIT_USER', value: '1.5' },
    { key: 'TRUST_PROXY', value: 'everyone' },
    { key: 'JOBS_ENABLED', value: 'sometimes' },
    { key: 'AUDIT_PURGE_CRON', value: 'hourly' },
    { key: 'AUDIT_SEAL_CRON', value: '* * * *' },
    { key: 'AUDIT_SEAL_CRON', value: '* * * * *; drop' },
    // The shape of cron, but values pg-boss would refuse once the server is listening.
    { key: 'AUDIT_SEAL_CRON', value: '99 * * * *' },
    { key: 'AUDIT_PURGE_CRON', value: '0 24 * * *' },
    { key: 'AUDIT_PURGE_CRON', value: '*/0 * * * *' },
    { key: 'AUDIT_PURGE_CRON', value: '0 0 0 * *' },
    { key: 'AUDIT_PURGE_CRON', value: '0 0 * 1-13 *' },
    { key: 'AUDIT_PURGE_CRON', value: '0 5-2 * * *' },
    { key: 'AUDIT_EXPORT_CONCURRENCY', value: '0' },
    { key: 'AUDIT_EXPORT_CONCURRENCY', value: '1.5' },
  ])('rejects $key=$value', ({ key, value }) => {
    expect(keysOf(problemsOf({ [key]: value }))).toEqual([key]);
  });

  it('returns a frozen object', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every bad value at once', () => {
    const error = problemsOf({ PORT: 'abc', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
    expect(keysOf(error)).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT']);
    for (const key of ['PORT', 'LOG_LEVEL', 'DATABASE_URL']) expect(error.message).toContain(key);
    expect(error.message).toContain('loud');
  });

  it.each(['abc', '70000', '-1', '3.5', '80abc'])('rejects PORT=%s', (port) => {
    expect(keysOf(problemsOf({ PORT: port }))).toEqual(['PORT']);
  });

  it.each([
    { key: 'LOG_LEVEL', value: 'verbose' },
    { key: 'DATABASE_URL', value: 'mysql://db/facilityflow' },
    { key: 'REDIS_URL', value: 'memcached://cache' },
    { key: 'FACILITYFLOW_ADMIN_TOKEN', value: 'too-short' },
  ])('rejects $key=$value', ({ key, value }) => {
    expect(keysOf(problemsOf({ [key]: value }))).toEqual([key]);
  });

  it.each([
    { key: 'FACILITYFLOW_ADMIN_TOKEN', value: 'short-secret-xyz' },
    { key: 'DATABASE_URL', value: 'mysql://app:hunter2-secret@db/facilityflow' },
    { key: 'REDIS_URL', value: 'http://:redis-secret-pw@cache:6379' },
  ])('names $key but never echoes its value', ({ key, value }) => {
    const error = problemsOf({ [key]: value, PORT: 'abc' });
    expect(keysOf(error)).toEqual([key, 'PORT'].sort());
    const secret = /(short-secret-xyz|hunter2-secret|redis-secret-pw)/.exec(value)![1]!;
    expect(error.message).not.toContain(secret);
    expect(error.problems.join('\n')).not.toContain(secret);
    expect(error.message).not.toContain(value);
  });
});
