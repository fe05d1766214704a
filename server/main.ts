import { configOrExit } from './config.ts';
import { buildApp } from './http/app.ts';
import { createServices } from './services.ts';

/** Starts the server: configuration, storage and schema, then HTTP. */
async function main(): Promise<void> {
  const config = configOrExit('knutepunkt');
  const services = await createServices(config);
  const app = await buildApp(services);
  if (config.auth === 'off') {
    // Loud on purpose: a server that accepts everyone must never be mistaken for one that does not.
    app.log.warn(
      'AUTH=off: AUTHENTICATION IS DISABLED. Every request is accepted without a token, with every permission, on one default tenant. For development only; never with real data.'
    );
  } else {
    app.log.info('Authentication on: clients get DPoP-bound tokens at /oauth2/token; onboard municipalities and clients with npm run admin');
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
