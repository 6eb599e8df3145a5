import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { SEARCH_ENTITIES, WEIGHT_NAMES, type WeightOverrides } from './modules/search/index.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Five cron fields (minute hour day month weekday) of numbers, `*`, ranges, lists and steps. */
const CRON = '^[0-9*/,-]+( [0-9*/,-]+){4}$';
const CRON_KEYS = ['AUDIT_PURGE_CRON', 'AUDIT_SEAL_CRON'] as const;
const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'weekday', min: 0, max: 7 },
];

/**
 * What is wrong with a cron expression the pattern let through (a value out of its field's
 * range, a step of 0), or null: checked here, since pg-boss would refuse it only once serving.
 */
function cronProblem(expression: string): string | null {
  const fields = expression.split(' ');
  for (const [i, field] of fields.entries()) {
    const { name, min, max } = CRON_FIELDS[i]!;
    for (const item of field.split(',')) {
      const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
      const [, , from, to, step] = match ?? [];
      const values = [from, to].filter((v) => v !== undefined).map(Number);
      if (!match || values.some((v) => v < min || v > max) || step === '0') {
        return `${name} field "${item}" is not a value from ${min} to ${max}, a range or a step`;
      }
      if (values.length === 2 && values[0]! > values[1]!) {
        return `${name} field "${item}" is a range that runs backwards`;
      }
    }
  }
  return null;
}

const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  REDIS_KEY_PREFIX: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  REDIS_TIMEOUT_MS: Type.Integer({ minimum: 10, maximum: 60_000, default: 250 }),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  FACILITYFLOW_ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 24 })),
  LOG_LEVEL: Type.Enum(LOG_LEVELS, { default: 'info' }),
  AUTH_CACHE_SECONDS: Type.Integer({ minimum: 0, maximum: 3600, default: 30 }),
  TRUST_PROXY: Type.Optional(Type.String({ pattern: '^(true|false|\\d+|[0-9a-fA-F:./,\\s]+)$' })),
  SEARCH_RATE_LIMIT_ENABLED: Type.Boolean({ default: true }),
  SEARCH_RATE_LIMIT_ANONYMOUS: Type.Integer({ minimum: 1, default: 20 }),
  SEARCH_RATE_LIMIT_USER: Type.Integer({ minimum: 1, default: 100 }),
  SEARCH_RATE_LIMIT_PREMIUM: Type.Integer({ minimum: 1, default: 500 }),
  SEARCH_RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 300 }),
  BULK_RATE_LIMIT_ENABLED: Type.Boolean({ default: true }),
  BULK_RATE_LIMIT: Type.Integer({ minimum: 1, default: 10 }),
  BULK_RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 60 }),
  SEARCH_CACHE_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 300 }),
  SEARCH_CACHE_ENTRIES: Type.Integer({ minimum: 1, default: 10_000 }),
  SEARCH_WEIGHTS: Type.Optional(Type.String({ minLength: 2 })),
  JOBS_ENABLED: Type.Boolean({ default: true }),
  AUDIT_PURGE_CRON: Type.String({ pattern: CRON, default: '0 * * * *' }),
  AUDIT_SEAL_CRON: Type.String({ pattern: CRON, default: '* * * * *' }),
  AUDIT_EXPORT_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 100, default: 4 }),
});

/** `{"ticket": {"recency": 0.3}}`: per entity type, the ranking weights that differ from SPEC §9. */
const EntityWeights = Type.Object(
  Object.fromEntries(
    WEIGHT_NAMES.map((name) => [name, Type.Optional(Type.Number({ minimum: 0, maximum: 10 }))]),
  ),
  { additionalProperties: false },
);
const WeightsSchema = Type.Object(
  Object.fromEntries(SEARCH_ENTITIES.map((entity) => [entity, Type.Optional(EntityWeights)])),
  { additionalProperties: false },
);

type ConfigValues = Static<typeof ConfigSchema>;

const WHOLE_NUMBER_KEYS = [
  'PORT',
  'REDIS_TIMEOUT_MS',
  'AUTH_CACHE_SECONDS',
  'SEARCH_RATE_LIMIT_ANONYMOUS',
  'SEARCH_RATE_LIMIT_USER',
  'SEARCH_RATE_LIMIT_PREMIUM',
  'SEARCH_RATE_LIMIT_WINDOW_SECONDS',
  'SEARCH_CACHE_TTL_SECONDS',
  'SEARCH_CACHE_ENTRIES',
  'BULK_RATE_LIMIT',
  'BULK_RATE_LIMIT_WINDOW_SECONDS',
  'AUDIT_EXPORT_CONCURRENCY',
];

/** Values that must never be echoed back in an error message. */
const SECRET_KEYS = new Set(['DATABASE_URL', 'REDIS_URL', 'FACILITYFLOW_ADMIN_TOKEN']);

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Absent: the embedded database in `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** Absent: the in-process cache and rate limiter. */
  readonly redisUrl: string | undefined;
  /** Put before every Redis key: deployments (or test runs) sharing one Redis stay apart. */
  readonly redisKeyPrefix: string | undefined;
  /** How long a Redis call may take before the process falls back to itself for a moment. */
  readonly redisTimeoutMs: number;
  readonly dataDir: string;
  readonly adminToken: string | undefined;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** How long a resolved token may be reused at most (ADR 0007); 0 looks every token up. */
  readonly authCacheSeconds: number;
  /**
   * Whom to believe about the client address (X-Forwarded-For): false, the address of the socket
   * (default); true, every proxy; a number of hops; or the proxies' addresses and CIDR ranges.
   */
  readonly trustProxy: boolean | number | string[];
  readonly search: {
    readonly rateLimit: {
      /** Off only where something in front (a gateway) limits instead. */
      readonly enabled: boolean;
      readonly windowSeconds: number;
      readonly anonymous: number;
      readonly user: number;
      readonly premium: number;
    };
    readonly cacheTtlSeconds: number;
    readonly cacheEntries: number;
    readonly weights: WeightOverrides;
  };
  readonly bulk: {
    /** Bulk requests per person per window (SPEC §8), whatever the plan; overridable per tenant. */
    readonly rateLimit: {
      readonly enabled: boolean;
      readonly windowSeconds: number;
      readonly perPerson: number;
    };
  };
  /** Recurring jobs run by `serve` (off where another process runs them, and in tests). */
  readonly jobs: {
    readonly enabled: boolean;
    /** The retention purge (SPEC §7), hourly by default. */
    readonly auditPurgeCron: string;
    /** Sealing new audit entries into hash-chained batches, every minute by default. */
    readonly auditSealCron: string;
  };
  readonly audit: {
    /**
     * Audit exports streaming at once in a process: each holds a pool connection and an open
     * transaction for as long as its client reads (one on the embedded database, whatever this is).
     */
    readonly exportConcurrency: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; every problem is reported together, not just the first. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  // Convert would quietly truncate '3.5' or '1e3': whole numbers must be written as such.
  const problems = WHOLE_NUMBER_KEYS.filter(
    (key) => key in raw && !/^\d+$/.test(String(raw[key])),
  ).map((key) => `${key}: must be a whole number (got ${JSON.stringify(raw[key])})`);
  const values = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw));
  for (const error of Value.Errors(ConfigSchema, values)) {
    const key = error.instancePath.replace(/^\//, '');
    if (problems.some((problem) => problem.startsWith(`${key}:`))) continue;
    const got = SECRET_KEYS.has(key) ? '' : ` (got ${JSON.stringify(raw[key])})`;
    problems.push(`${key}: ${error.message}${got}`);
  }
  const weights = parseWeights(raw.SEARCH_WEIGHTS, problems);
  for (const key of CRON_KEYS) {
    const problem = typeof raw[key] === 'string' ? cronProblem(raw[key]) : null;
    if (problem && !problems.some((p) => p.startsWith(`${key}:`)))
      problems.push(`${key}: ${problem}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const v = values as ConfigValues;
  return Object.freeze({
    port: v.PORT,
    host: v.HOST,
    databaseUrl: v.DATABASE_URL,
    redisUrl: v.REDIS_URL,
    redisKeyPrefix: v.REDIS_KEY_PREFIX,
    redisTimeoutMs: v.REDIS_TIMEOUT_MS,
    dataDir: v.DATA_DIR,
    adminToken: v.FACILITYFLOW_ADMIN_TOKEN,
    logLevel: v.LOG_LEVEL,
    authCacheSeconds: v.AUTH_CACHE_SECONDS,
    trustProxy: parseTrustProxy(v.TRUST_PROXY),
    search: Object.freeze({
      rateLimit: Object.freeze({
        enabled: v.SEARCH_RATE_LIMIT_ENABLED,
        windowSeconds: v.SEARCH_RATE_LIMIT_WINDOW_SECONDS,
        anonymous: v.SEARCH_RATE_LIMIT_ANONYMOUS,
        user: v.SEARCH_RATE_LIMIT_USER,
        premium: v.SEARCH_RATE_LIMIT_PREMIUM,
      }),
      cacheTtlSeconds: v.SEARCH_CACHE_TTL_SECONDS,
      cacheEntries: v.SEARCH_CACHE_ENTRIES,
      weights,
    }),
    bulk: Object.freeze({
      rateLimit: Object.freeze({
        enabled: v.BULK_RATE_LIMIT_ENABLED,
        windowSeconds: v.BULK_RATE_LIMIT_WINDOW_SECONDS,
        perPerson: v.BULK_RATE_LIMIT,
      }),
    }),
    jobs: Object.freeze({
      enabled: v.JOBS_ENABLED,
      auditPurgeCron: v.AUDIT_PURGE_CRON,
      auditSealCron: v.AUDIT_SEAL_CRON,
    }),
    audit: Object.freeze({ exportConcurrency: v.AUDIT_EXPORT_CONCURRENCY }),
  });
}

function parseTrustProxy(value: string | undefined): Config['trustProxy'] {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

function parseWeights(value: unknown, problems: string[]): WeightOverrides {
  if (value === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(value));
  } catch {
    problems.push('SEARCH_WEIGHTS: must be JSON, e.g. {"ticket": {"recency": 0.3}}');
    return {};
  }
  const first = Value.Errors(WeightsSchema, parsed)[0];
  if (first) {
    problems.push(`SEARCH_WEIGHTS: ${first.instancePath || '/'} ${first.message}`);
    return {};
  }
  return parsed as WeightOverrides;
}
