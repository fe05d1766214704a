import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { FhirClient } from './fhir-client.ts';
import { loadConfig } from '../../server/config.ts';
import type { Config } from '../../server/config.ts';
import { buildApp } from '../../server/http/app.ts';
import type { AppOptions } from '../../server/http/app.ts';
import type { Services } from '../../server/services.ts';
import { createServices } from '../../server/services.ts';
import type { TestDatabase } from './database.ts';
import { createTestDatabase } from './database.ts';
import { freePort } from './processes.ts';

/** A real server on a loopback port with its own database, for tests that speak HTTP. */
export interface TestServer {
  /** FHIR base URL, e.g. http://127.0.0.1:41234/fhir */
  base: string;
  /** Server root URL, e.g. http://127.0.0.1:41234 */
  root: string;
  services: Services;
  app: FastifyInstance;
  database: TestDatabase;
  close(): Promise<void>;
}

/**
 * Test servers hold synthetic identities only, so they accept Test Norge numbers. Suites about
 * FHIR's generic behaviour store arbitrary R4 resources and run without default profiles (as a
 * general-purpose deployment would, DEFAULT_PROFILES=off); the profile suites turn them on.
 */
export async function startTestServer(overrides: Partial<Config> = {}, appOptions: AppOptions = {}): Promise<TestServer> {
  return serve(testConfig(overrides), appOptions, 0);
}

/**
 * A test server whose BASE_URL is its real address (startTestServer's is a placeholder): for tests
 * that compare full URLs the server builds from BASE_URL alone, such as a notification's fullUrl.
 * The port is probed first, since the services take BASE_URL when they start; should another
 * process take it before the server binds it, another is probed.
 */
export async function startTestServerAtOwnAddress(overrides: Partial<Config> = {}): Promise<TestServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await serve({ ...testConfig(overrides), port, baseUrl: `http://127.0.0.1:${port}/fhir` }, {}, port);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EADDRINUSE' || attempt === 5) {
        throw error;
      }
    }
  }
}

function testConfig(overrides: Partial<Config>): Config {
  return {
    ...loadConfig({ AUTH: 'off', LOG_LEVEL: 'silent', SYNTHETIC_IDENTIFIERS: 'accept', DEFAULT_PROFILES: 'off' }),
    ...overrides,
  };
}

/** Starts the services and the app on a fresh database on `port` (0: any); nothing stays behind if it cannot listen. */
async function serve(config: Config, appOptions: AppOptions, port: number): Promise<TestServer> {
  const database = await createTestDatabase();
  const services = await createServices(config, database.db);
  const app = await buildApp(services, appOptions);
  const close = async (): Promise<void> => {
    await app.close();
    await services.subscriptions.close();
    await services.store.close();
    await database.drop();
  };
  try {
    await app.listen({ port, host: '127.0.0.1' });
  } catch (error) {
    await close();
    throw error;
  }
  const address = app.server.address();
  const root = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
  return { base: `${root}/fhir`, root, services, app, database, close };
}

/** A server for the test file that calls it: started before its tests, stopped after them. */
export function useTestServer(overrides: Partial<Config> = {}): { readonly server: TestServer; readonly fhir: FhirClient } {
  let current: TestServer | undefined;
  const started = (): TestServer => {
    if (!current) {
      throw new Error('the test server has not started');
    }
    return current;
  };
  beforeAll(async () => {
    current = await startTestServer(overrides);
  });
  afterAll(async () => {
    await current?.close();
  });
  return {
    get server() {
      return started();
    },
    fhir: new FhirClient(() => started().base),
  };
}
