/** Server configuration, read once from the environment and checked before anything starts. */
export interface Config {
  port: number;
  host: string;
  /** PostgreSQL connection string; absent means the embedded PGlite store in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  redisUrl?: string;
  auth: 'on' | 'off';
  logLevel: string;
  subscriptionAllowedHosts: string[];
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /** Public base URL of the FHIR API, used in Location headers and Bundle links. */
  baseUrl?: string;
  /** Apply each type's default welfare-technology profile to every write, claimed or not. */
  defaultProfiles: boolean;
  /** Accept synthetic Test Norge identity numbers (month + 80); only for servers holding test data. */
  syntheticIdentifiers: boolean;
}

/** Thrown for an invalid setting: the start stops with this one line. */
export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads and validates the configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = parseInteger(env, 'PORT', 8080, 0, 65535);
  const auth = (env.AUTH ?? 'on').toLowerCase();
  if (auth !== 'on' && auth !== 'off') {
    throw new ConfigError(`AUTH must be "on" or "off", not "${env.AUTH}"`);
  }
  if (auth === 'off' && env.NODE_ENV === 'production') {
    throw new ConfigError('AUTH=off is refused when NODE_ENV=production');
  }
  const logLevel = (env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not "${env.LOG_LEVEL}"`);
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('REDIS_URL must start with redis:// or rediss://');
  }
  const baseUrl = env.BASE_URL || undefined;
  if (baseUrl && !/^https?:\/\/[^/]+/.test(baseUrl)) {
    throw new ConfigError('BASE_URL must be an absolute http(s) URL');
  }
  const defaultProfiles = parseChoice(env, 'DEFAULT_PROFILES', ['on', 'off'], 'on') === 'on';
  const syntheticIdentifiers = parseChoice(env, 'SYNTHETIC_IDENTIFIERS', ['accept', 'reject'], 'reject') === 'accept';
  if (syntheticIdentifiers && env.NODE_ENV === 'production') {
    throw new ConfigError('SYNTHETIC_IDENTIFIERS=accept is refused when NODE_ENV=production');
  }
  return {
    port,
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    dataDir: env.DATA_DIR || './data',
    redisUrl,
    auth,
    logLevel,
    subscriptionAllowedHosts: (env.SUBSCRIPTION_ALLOWED_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    bodyLimit: parseInteger(env, 'BODY_LIMIT', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    baseUrl: baseUrl?.replace(/\/+$/, ''),
    defaultProfiles,
    syntheticIdentifiers,
  };
}

function parseChoice(env: NodeJS.ProcessEnv, name: string, choices: string[], fallback: string): string {
  const value = (env[name] || fallback).toLowerCase();
  if (!choices.includes(value)) {
    throw new ConfigError(`${name} must be ${choices.map((c) => `"${c}"`).join(' or ')}, not "${env[name]}"`);
  }
  return value;
}

function parseInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not "${raw}"`);
  }
  return value;
}
