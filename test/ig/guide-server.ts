import { createServer } from 'node:net';
import { loadConfig } from '../../server/config.ts';
import type { Config } from '../../server/config.ts';
import { buildApp } from '../../server/http/app.ts';
import { createServices } from '../../server/services.ts';
import { createTestDatabase } from '../support/database.ts';
import type { TestServer } from '../support/server.ts';

/** A loopback port nobody listens on now, so the server can know its own public URL before it starts. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * A test server whose BASE_URL is its real address. The guides show full URLs (Location headers,
 * fullUrl of notification entries) as `{base}/…`; the server builds those of notifications from
 * BASE_URL alone, so only a server that knows where it listens makes them comparable.
 */
export async function startGuideServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  // Another process may take the probed port before the server binds it: then try another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePort(overrides);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EADDRINUSE' || attempt === 5) {
        throw error;
      }
    }
  }
}

async function startOnFreePort(overrides: Partial<Config>): Promise<TestServer> {
  const port = await freePort();
  const root = `http://127.0.0.1:${port}`;
  const database = await createTestDatabase();
  const config: Config = {
    ...loadConfig({ LOG_LEVEL: 'silent', SYNTHETIC_IDENTIFIERS: 'accept' }),
    ...overrides,
    port,
    host: '127.0.0.1',
    baseUrl: `${root}/fhir`,
  };
  const services = await createServices(config, database.db);
  const app = await buildApp(services);
  try {
    await app.listen({ port, host: '127.0.0.1' });
  } catch (error) {
    await app.close();
    await services.subscriptions.close();
    await services.store.close();
    await database.drop();
    throw error;
  }
  return {
    base: `${root}/fhir`,
    root,
    services,
    app,
    database,
    close: async () => {
      await app.close();
      await services.subscriptions.close();
      await services.store.close();
      await database.drop();
    },
  };
}
