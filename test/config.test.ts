import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../server/config.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** loadConfig's error for `env`, failing the test when it does not throw. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  test('defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: undefined,
      dataDir: './data',
      redisUrl: undefined,
      auth: 'on',
      tokens: { ttlSeconds: 300, allowBearer: false, proofMaxAgeSeconds: 60 },
      audit: true,
      logLevel: 'info',
      subscriptionAllowedHosts: [],
      bodyLimit: 10 * 1024 * 1024,
      searchTimeoutMs: 10_000,
      searchParamSyncMs: 2000,
      fhirpathTimeoutMs: 5000,
      baseUrl: undefined,
      defaultProfiles: true,
      syntheticIdentifiers: false,
      subscriptions: {
        relay: true,
        deliverHere: true,
        concurrency: 32,
        timeoutMs: 10_000,
        retry: { baseDelayMs: 1_000, maxDelayMs: 3_600_000, horizonMs: 86_400_000 },
        pollMs: 250,
        sweepMs: 10_000,
        lockMs: 30_000,
        queuePrefix: 'knutepunkt',
      },
    });
  });

  test('reads every setting from the environment', () => {
    const config = loadConfig({
      PORT: '9090',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgresql://kp@db.example:5432/kp',
      DATA_DIR: '/var/lib/knutepunkt',
      REDIS_URL: 'rediss://cache.example:6380',
      AUTH: 'OFF',
      AUTH_BEARER: 'Allow',
      TOKEN_TTL_SECONDS: '600',
      AUDIT: 'off',
      LOG_LEVEL: 'Debug',
      SUBSCRIPTION_ALLOWED_HOSTS: ' a.example , b.example,,',
      BODY_LIMIT: '2048',
      SEARCH_TIMEOUT_MS: '2500',
        SEARCH_PARAM_SYNC_MS: '500',
      FHIRPATH_TIMEOUT_MS: '750',
      BASE_URL: 'https://fhir.kommune.example/fhir//',
      DEFAULT_PROFILES: 'Off',
      SYNTHETIC_IDENTIFIERS: 'accept',
      SUBSCRIPTION_RELAY: 'off',
      SUBSCRIPTION_DELIVERY: 'worker',
      SUBSCRIPTION_WORKER_CONCURRENCY: '8',
      SUBSCRIPTION_TIMEOUT_MS: '5000',
      SUBSCRIPTION_RETRY_BASE_MS: '500',
      SUBSCRIPTION_RETRY_MAX_DELAY_MS: '60000',
      SUBSCRIPTION_RETRY_HORIZON_MS: '3600000',
      SUBSCRIPTION_POLL_MS: '100',
      SUBSCRIPTION_SWEEP_MS: '2000',
      SUBSCRIPTION_LOCK_MS: '5000',
      SUBSCRIPTION_QUEUE_PREFIX: 'kommune-a',
    });
    expect(config).toEqual({
      port: 9090,
      host: '127.0.0.1',
      databaseUrl: 'postgresql://kp@db.example:5432/kp',
      dataDir: '/var/lib/knutepunkt',
      redisUrl: 'rediss://cache.example:6380',
      auth: 'off',
      tokens: { ttlSeconds: 600, allowBearer: true, proofMaxAgeSeconds: 60 },
      audit: false,
      logLevel: 'debug',
      subscriptionAllowedHosts: ['a.example', 'b.example'],
      bodyLimit: 2048,
      searchTimeoutMs: 2500,
      searchParamSyncMs: 500,
      fhirpathTimeoutMs: 750,
      baseUrl: 'https://fhir.kommune.example/fhir',
      defaultProfiles: false,
      syntheticIdentifiers: true,
      subscriptions: {
        relay: false,
        deliverHere: false,
        concurrency: 8,
        timeoutMs: 5_000,
        retry: { baseDelayMs: 500, maxDelayMs: 60_000, horizonMs: 3_600_000 },
        pollMs: 100,
        sweepMs: 2_000,
        lockMs: 5_000,
        queuePrefix: 'kommune-a',
      },
    });
  });

  test('token settings take only their choices and ranges', () => {
    expect(() => loadConfig({ AUTH_BEARER: 'sometimes' })).toThrow(/AUTH_BEARER must be "allow" or "refuse"/);
    expect(() => loadConfig({ TOKEN_TTL_SECONDS: '5' })).toThrow(/TOKEN_TTL_SECONDS must be an integer from 30 to 3600/);
    expect(() => loadConfig({ TOKEN_TTL_SECONDS: '86400' })).toThrow(/TOKEN_TTL_SECONDS/);
    expect(() => loadConfig({ AUDIT: 'off', NODE_ENV: 'production', BASE_URL: 'https://fhir.kommune.example/fhir' })).toThrow(/AUDIT=off is refused when NODE_ENV=production/);
    // In production the issuer and audiences must not come from the Host header the client sends.
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/BASE_URL is required when NODE_ENV=production/);
  });

  test('subscription settings take only their choices and ranges; worker-only delivery needs Redis', () => {
    expect(() => loadConfig({ SUBSCRIPTION_DELIVERY: 'worker' })).toThrow(/SUBSCRIPTION_DELIVERY=worker needs REDIS_URL/);
    expect(() => loadConfig({ SUBSCRIPTION_DELIVERY: 'elsewhere' })).toThrow(/SUBSCRIPTION_DELIVERY must be "server" or "worker"/);
    expect(() => loadConfig({ SUBSCRIPTION_RELAY: 'maybe' })).toThrow(/SUBSCRIPTION_RELAY/);
    expect(() => loadConfig({ SUBSCRIPTION_WORKER_CONCURRENCY: '0' })).toThrow(/SUBSCRIPTION_WORKER_CONCURRENCY must be an integer from 1/);
    expect(() => loadConfig({ SUBSCRIPTION_RETRY_HORIZON_MS: '-1' })).toThrow(/SUBSCRIPTION_RETRY_HORIZON_MS/);
  });

  test('DEFAULT_PROFILES and SYNTHETIC_IDENTIFIERS take only their choices; test identities are refused in production', () => {
    expect(() => loadConfig({ DEFAULT_PROFILES: 'yes' })).toThrow(/DEFAULT_PROFILES must be "on" or "off"/);
    expect(() => loadConfig({ SYNTHETIC_IDENTIFIERS: 'on' })).toThrow(/SYNTHETIC_IDENTIFIERS must be "accept" or "reject"/);
    expect(() => loadConfig({ SYNTHETIC_IDENTIFIERS: 'accept', NODE_ENV: 'production', BASE_URL: 'https://fhir.kommune.example/fhir' })).toThrow(/SYNTHETIC_IDENTIFIERS/);
    expect(loadConfig({ SYNTHETIC_IDENTIFIERS: 'accept', NODE_ENV: 'development' }).syntheticIdentifiers).toBe(true);
  });

  test('empty strings count as unset for PORT, DATABASE_URL, REDIS_URL and BASE_URL', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '', REDIS_URL: '', BASE_URL: '', HOST: '' });
    expect(config.port).toBe(8080);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.baseUrl).toBeUndefined();
    expect(config.host).toBe('0.0.0.0');
  });

  test('PORT accepts the whole range 0 to 65535 and the postgres:// and redis:// schemes', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
    expect(loadConfig({ DATABASE_URL: 'postgres://localhost/kp' }).databaseUrl).toBe('postgres://localhost/kp');
    expect(loadConfig({ REDIS_URL: 'redis://localhost:6379' }).redisUrl).toBe('redis://localhost:6379');
  });

  test.each(['abc', '-1', '65536', '80.5', '8080abc', 'NaN', 'Infinity'])('invalid PORT %j throws ConfigError naming PORT', (port) => {
    const err = configError({ PORT: port });
    expect(err.message).toMatch(/^PORT /);
    expect(err.message).toContain(port);
  });

  test.each([' ', '0x50'])('PORT %j, which is not a plain decimal port number, is refused', (port) => {
    // Number(' ') is 0 (a random port) and Number('0x50') is 80: neither is what the operator wrote.
    const err = configError({ PORT: port });
    expect(err.message).toMatch(/PORT/);
  });

  test.each(['verbose', 'warning', 'none', '1'])('invalid LOG_LEVEL %j throws ConfigError naming LOG_LEVEL and the choices', (level) => {
    const err = configError({ LOG_LEVEL: level });
    expect(err.message).toMatch(/^LOG_LEVEL /);
    expect(err.message).toContain(level);
    expect(err.message).toContain('debug');
  });

  test.each(['mysql://localhost/kp', 'localhost:5432', 'http://localhost:5432', 'postgres:/localhost'])(
    'invalid DATABASE_URL %j throws ConfigError naming DATABASE_URL',
    (url) => {
      const err = configError({ DATABASE_URL: url });
      expect(err.message).toMatch(/^DATABASE_URL /);
    }
  );

  test('the DATABASE_URL error does not echo the value, which may hold a password', () => {
    const err = configError({ DATABASE_URL: 'mysql://kp:hemmelig@localhost/kp' });
    expect(err.message).toMatch(/DATABASE_URL/);
    expect(err.message).not.toContain('hemmelig');
  });

  test.each(['http://cache:6379', 'cache:6379', 'memcached://cache'])('invalid REDIS_URL %j throws ConfigError naming REDIS_URL', (url) => {
    const err = configError({ REDIS_URL: url });
    expect(err.message).toMatch(/^REDIS_URL /);
  });

  test.each(['yes', 'no', 'true', 'disabled', ''])('invalid AUTH %j throws ConfigError naming AUTH', (auth) => {
    const err = configError({ AUTH: auth });
    expect(err.message).toMatch(/^AUTH /);
    expect(err.message).toContain('"on"');
  });

  test('AUTH=off is refused with NODE_ENV=production, allowed otherwise', () => {
    const err = configError({ AUTH: 'off', NODE_ENV: 'production' });
    expect(err.message).toContain('AUTH=off');
    expect(err.message).toContain('production');
    expect(loadConfig({ AUTH: 'off', NODE_ENV: 'development' }).auth).toBe('off');
    expect(loadConfig({ AUTH: 'off' }).auth).toBe('off');
    expect(loadConfig({ AUTH: 'on', NODE_ENV: 'production', BASE_URL: 'https://fhir.kommune.example/fhir' }).auth).toBe('on');
    expect(loadConfig({ NODE_ENV: 'production', BASE_URL: 'https://fhir.kommune.example/fhir' }).auth).toBe('on');
  });

  test('invalid BODY_LIMIT and BASE_URL throw ConfigError naming the variable', () => {
    expect(configError({ BODY_LIMIT: '10MB' }).message).toMatch(/^BODY_LIMIT /);
    expect(configError({ BODY_LIMIT: '100' }).message).toMatch(/^BODY_LIMIT /);
    expect(configError({ SEARCH_TIMEOUT_MS: '-1' }).message).toMatch(/^SEARCH_TIMEOUT_MS /);
    expect(configError({ SEARCH_TIMEOUT_MS: 'soon' }).message).toMatch(/^SEARCH_TIMEOUT_MS /);
    expect(configError({ FHIRPATH_TIMEOUT_MS: '600001' }).message).toMatch(/^FHIRPATH_TIMEOUT_MS /);
    expect(loadConfig({ FHIRPATH_TIMEOUT_MS: '0' }).fhirpathTimeoutMs).toBe(0);
    expect(configError({ BASE_URL: 'fhir.example/fhir' }).message).toMatch(/^BASE_URL /);
    expect(configError({ BASE_URL: 'ftp://fhir.example' }).message).toMatch(/^BASE_URL /);
  });

  test('ConfigError is an Error, so callers can tell configuration faults from others', () => {
    const err = configError({ PORT: 'abc' });
    expect(err).toBeInstanceOf(Error);
    expect(err.message.split('\n')).toHaveLength(1);
  });
});

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node server/main.ts` with only the given environment (plus PATH and HOME). */
function runMain(env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(root, 'node_modules/.bin/node'), ['server/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server/main.ts did not exit within 20 s; stderr: ${stderr}`));
    }, 20_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('server/main.ts with a bad configuration', () => {
  test('PORT=abc: exits non-zero with one clear line on stderr naming PORT, before starting anything', async () => {
    const exit = await runMain({ PORT: 'abc', DATA_DIR: path.join(root, 'does-not-exist-config-test') });
    expect(exit.signal).toBeNull();
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    const lines = exit.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines, exit.stderr).toHaveLength(1);
    expect(lines[0]).toContain('PORT');
    expect(lines[0]).toContain('abc');
    expect(lines[0]).not.toMatch(/\bat \S+:\d+:\d+|Error:/);
    expect(exit.stdout).toBe('');
  });

  test('AUTH=off with NODE_ENV=production: exits non-zero with one line naming AUTH', async () => {
    const exit = await runMain({ AUTH: 'off', NODE_ENV: 'production', PORT: '0' });
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    const lines = exit.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines, exit.stderr).toHaveLength(1);
    expect(lines[0]).toContain('AUTH');
    expect(exit.stdout).toBe('');
  });
});
