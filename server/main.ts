import { ConfigError, loadConfig } from './config.ts';
import { buildApp } from './http/app.ts';
import { createServices } from './services.ts';

/** Starts the server: configuration, storage and schema, then HTTP. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`knutepunkt: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const services = await createServices(config);
  const app = await buildApp(services);
  if (config.auth === 'off') {
    app.log.warn('AUTH=off: authentication is disabled. Never run like this with real data.');
  }
  const shutdown = async (): Promise<void> => {
    await app.close();
    await services.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await app.listen({ port: config.port, host: config.host });
  app.log.info(
    { storage: services.db.engine, dataDir: config.databaseUrl ? undefined : config.dataDir },
    `Knutepunkt FHIR API at http://localhost:${config.port}/fhir`
  );
}

await main();
