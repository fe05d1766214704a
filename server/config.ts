/** Server configuration, read once from the environment and checked before anything starts. */
export interface Config {
  port: number;
  host: string;
  /** PostgreSQL connection string; absent means the embedded PGlite store in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  redisUrl?: string;
  auth: 'on' | 'off';
  /** Token settings when auth is on (server/auth/). */
  tokens: TokenConfig;
  /** Write the audit trail (AUDIT=off only for measurements and development; refused in production). */
  audit: boolean;
  logLevel: string;
  subscriptionAllowedHosts: string[];
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /** A search running longer is cancelled and answered 400 too-costly (SEARCH_TIMEOUT_MS; 0: no limit). */
  searchTimeoutMs: number;
  /**
   * A $fhirpath evaluation running longer is cancelled and answered 400 too-costly (FHIRPATH_TIMEOUT_MS).
   * It runs in a worker thread; 0: no limit, evaluated on the server's event loop (development only).
   */
  fhirpathTimeoutMs: number;
  /**
   * How often this process looks for SearchParameters other processes wrote (SEARCH_PARAM_SYNC_MS);
   * a re-index job waits twice this before it starts, until every process indexes the new parameter.
   */
  searchParamSyncMs: number;
  /** Public base URL of the FHIR API, used in Location headers and Bundle links. */
  baseUrl?: string;
  /** Apply each type's default welfare-technology profile to every write, claimed or not. */
  defaultProfiles: boolean;
  /** Accept synthetic Test Norge identity numbers (month + 80); only for servers holding test data. */
  syntheticIdentifiers: boolean;
  subscriptions: SubscriptionConfig;
}

/** How access tokens are issued and accepted (server/auth/). */
export interface TokenConfig {
  /** Lifetime of the access tokens this server issues, in seconds (TOKEN_TTL_SECONDS). */
  ttlSeconds: number;
  /** Accept plain Bearer tokens beside DPoP-bound ones (AUTH_BEARER=allow); refused by default. */
  allowBearer: boolean;
  /** How old a DPoP proof or client assertion may be, in seconds, and the clock skew tolerated. */
  proofMaxAgeSeconds: number;
  /** An external OpenID provider (a HelseID-like issuer) whose access tokens are accepted too. */
  external?: ExternalIssuerConfig;
}

/** OIDC_ISSUER, OIDC_JWKS_URI, OIDC_AUDIENCE, OIDC_TENANT_CLAIM, OIDC_CLIENT_CLAIM. */
export interface ExternalIssuerConfig {
  issuer: string;
  jwksUri: string;
  audience: string;
  /** The claim naming the municipality (organisasjonsnummer); HelseID's JFT tokens carry orgnr_parent. */
  tenantClaim: string;
  /** The claim naming the client, which must be registered here for that municipality. */
  clientClaim: string;
}

/** How this process takes part in subscription delivery (subscriptions/runtime.ts). */
export interface SubscriptionConfig {
  /** Run the outbox relay here (SUBSCRIPTION_RELAY). Off only for processes that must not consume events. */
  relay: boolean;
  /**
   * Deliver notifications in this process (SUBSCRIPTION_DELIVERY=server, the default), or leave
   * delivery to `npm run worker` processes (SUBSCRIPTION_DELIVERY=worker, needs REDIS_URL).
   */
  deliverHere: boolean;
  /** Notifications delivered at once per process (SUBSCRIPTION_WORKER_CONCURRENCY). */
  concurrency: number;
  /** How long a receiver has to answer (SUBSCRIPTION_TIMEOUT_MS). */
  timeoutMs: number;
  /** SUBSCRIPTION_RETRY_BASE_MS, SUBSCRIPTION_RETRY_MAX_DELAY_MS, SUBSCRIPTION_RETRY_HORIZON_MS. */
  retry: { baseDelayMs: number; maxDelayMs: number; horizonMs: number };
  /** How often the relay looks for events other processes wrote (SUBSCRIPTION_POLL_MS). */
  pollMs: number;
  /** How often undelivered events are queued again (SUBSCRIPTION_SWEEP_MS). */
  sweepMs: number;
  /** How soon a job held by a killed BullMQ worker is taken over (SUBSCRIPTION_LOCK_MS). */
  lockMs: number;
  /** Redis key prefix of the notification queue, so deployments can share a Redis (SUBSCRIPTION_QUEUE_PREFIX). */
  queuePrefix: string;
}

/** Thrown for an invalid setting: the start stops with this one line. */
export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * The configuration of a command (`knutepunkt`, `knutepunkt worker` …), checked by `require` too;
 * an invalid setting ends the process with one line naming it and exit code 2.
 */
export function configOrExit(program: string, require: (config: Config) => void = () => undefined): Config {
  try {
    const config = loadConfig();
    require(config);
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${program}: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

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
  const audit = parseChoice(env, 'AUDIT', ['on', 'off'], 'on') === 'on';
  if (!audit && env.NODE_ENV === 'production') {
    throw new ConfigError('AUDIT=off is refused when NODE_ENV=production');
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
  if (auth === 'on' && env.NODE_ENV === 'production' && !baseUrl) {
    // Without it the issuer and audiences come from the Host header, which the client chooses.
    throw new ConfigError('BASE_URL is required when NODE_ENV=production: tokens are issued for and checked against it');
  }
  const defaultProfiles = parseChoice(env, 'DEFAULT_PROFILES', ['on', 'off'], 'on') === 'on';
  const syntheticIdentifiers = parseChoice(env, 'SYNTHETIC_IDENTIFIERS', ['accept', 'reject'], 'reject') === 'accept';
  if (syntheticIdentifiers && env.NODE_ENV === 'production') {
    throw new ConfigError('SYNTHETIC_IDENTIFIERS=accept is refused when NODE_ENV=production');
  }
  const delivery = parseChoice(env, 'SUBSCRIPTION_DELIVERY', ['server', 'worker'], 'server');
  if (delivery === 'worker' && !redisUrl) {
    throw new ConfigError('SUBSCRIPTION_DELIVERY=worker needs REDIS_URL: worker processes take their jobs from Redis');
  }
  const HOUR = 3_600_000;
  const subscriptions: SubscriptionConfig = {
    relay: parseChoice(env, 'SUBSCRIPTION_RELAY', ['on', 'off'], 'on') === 'on',
    deliverHere: delivery === 'server',
    concurrency: parseInteger(env, 'SUBSCRIPTION_WORKER_CONCURRENCY', 32, 1, 1000),
    timeoutMs: parseInteger(env, 'SUBSCRIPTION_TIMEOUT_MS', 10_000, 100, 300_000),
    retry: {
      baseDelayMs: parseInteger(env, 'SUBSCRIPTION_RETRY_BASE_MS', 1_000, 1, HOUR),
      maxDelayMs: parseInteger(env, 'SUBSCRIPTION_RETRY_MAX_DELAY_MS', HOUR, 1, 24 * HOUR),
      horizonMs: parseInteger(env, 'SUBSCRIPTION_RETRY_HORIZON_MS', 24 * HOUR, 0, 30 * 24 * HOUR),
    },
    pollMs: parseInteger(env, 'SUBSCRIPTION_POLL_MS', 250, 1, 60_000),
    sweepMs: parseInteger(env, 'SUBSCRIPTION_SWEEP_MS', 10_000, 10, HOUR),
    lockMs: parseInteger(env, 'SUBSCRIPTION_LOCK_MS', 30_000, 500, HOUR),
    queuePrefix: env.SUBSCRIPTION_QUEUE_PREFIX || 'knutepunkt',
  };
  const tokens: TokenConfig = {
    ttlSeconds: parseInteger(env, 'TOKEN_TTL_SECONDS', 300, 30, 3600),
    allowBearer: parseChoice(env, 'AUTH_BEARER', ['allow', 'refuse'], 'refuse') === 'allow',
    proofMaxAgeSeconds: 60,
    ...(env.OIDC_ISSUER ? { external: externalIssuer(env) } : {}),
  };
  return {
    port,
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    dataDir: env.DATA_DIR || './data',
    redisUrl,
    auth,
    tokens,
    audit,
    logLevel,
    subscriptionAllowedHosts: (env.SUBSCRIPTION_ALLOWED_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    bodyLimit: parseInteger(env, 'BODY_LIMIT', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    searchTimeoutMs: parseInteger(env, 'SEARCH_TIMEOUT_MS', 10_000, 0, 600_000),
    fhirpathTimeoutMs: parseInteger(env, 'FHIRPATH_TIMEOUT_MS', 5000, 0, 600_000),
    searchParamSyncMs: parseInteger(env, 'SEARCH_PARAM_SYNC_MS', 2000, 50, 60_000),
    baseUrl: baseUrl?.replace(/\/+$/, ''),
    defaultProfiles,
    syntheticIdentifiers,
    subscriptions,
  };
}

/** The external issuer's settings: an issuer, its keys (https, or http to loopback), and an audience. */
function externalIssuer(env: NodeJS.ProcessEnv): ExternalIssuerConfig {
  const issuer = env.OIDC_ISSUER as string;
  const jwksUri = env.OIDC_JWKS_URI;
  if (!jwksUri) {
    throw new ConfigError('OIDC_ISSUER needs OIDC_JWKS_URI: the URL of the issuer\'s public keys');
  }
  let url: URL;
  try {
    url = new URL(jwksUri);
  } catch {
    throw new ConfigError('OIDC_JWKS_URI must be an absolute URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))) {
    throw new ConfigError('OIDC_JWKS_URI must be https (plain http only to this machine)');
  }
  if (!env.OIDC_AUDIENCE) {
    throw new ConfigError('OIDC_ISSUER needs OIDC_AUDIENCE: the audience its tokens carry for this server');
  }
  return {
    issuer,
    jwksUri,
    audience: env.OIDC_AUDIENCE,
    tenantClaim: env.OIDC_TENANT_CLAIM || 'orgnr_parent',
    clientClaim: env.OIDC_CLIENT_CLAIM || 'client_id',
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
