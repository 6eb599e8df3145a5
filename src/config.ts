import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  FACILITYFLOW_ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 24 })),
  LOG_LEVEL: Type.Enum(LOG_LEVELS, { default: 'info' }),
  AUTH_CACHE_SECONDS: Type.Integer({ minimum: 0, maximum: 3600, default: 30 }),
});

type ConfigValues = Static<typeof ConfigSchema>;

const WHOLE_NUMBER_KEYS = ['PORT', 'AUTH_CACHE_SECONDS'];

/** Values that must never be echoed back in an error message. */
const SECRET_KEYS = new Set(['DATABASE_URL', 'REDIS_URL', 'FACILITYFLOW_ADMIN_TOKEN']);

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Absent: the embedded database in `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** Absent: the in-process cache and rate limiter. */
  readonly redisUrl: string | undefined;
  readonly dataDir: string;
  readonly adminToken: string | undefined;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** How long a resolved token may be reused at most (ADR 0007); 0 looks every token up. */
  readonly authCacheSeconds: number;
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
  if (problems.length > 0) throw new ConfigError(problems);
  const v = values as ConfigValues;
  return Object.freeze({
    port: v.PORT,
    host: v.HOST,
    databaseUrl: v.DATABASE_URL,
    redisUrl: v.REDIS_URL,
    dataDir: v.DATA_DIR,
    adminToken: v.FACILITYFLOW_ADMIN_TOKEN,
    logLevel: v.LOG_LEVEL,
    authCacheSeconds: v.AUTH_CACHE_SECONDS,
  });
}
