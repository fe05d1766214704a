import { ConfigError, configOrExit } from '../server/config.ts';
import { createServices } from '../server/services.ts';

/**
 * `npm run worker`: a process that only delivers notifications, taking jobs from Redis (BullMQ).
 * Run as many as the receivers need; the servers keep relaying events from the outbox. Settings
 * are the server's (REDIS_URL, DATABASE_URL, SUBSCRIPTION_WORKER_CONCURRENCY …).
 */
async function main(): Promise<void> {
  const config = configOrExit('knutepunkt worker', (c) => {
    if (!c.redisUrl) {
      throw new ConfigError('REDIS_URL is required: the worker takes its jobs from Redis');
    }
  });
  const services = await createServices({ ...config, subscriptions: { ...config.subscriptions, relay: false, deliverHere: true } });
  const shutdown = async (): Promise<void> => {
    await services.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  process.stdout.write(
    `${JSON.stringify({ level: 30, msg: 'Knutepunkt delivery worker started', concurrency: config.subscriptions.concurrency })}\n`
  );
}

await main();
