import { randomBytes } from 'node:crypto';
import type { Subscription } from '@medplum/fhirtypes';
import { expect } from 'vitest';
import type { Config } from '../../server/config.ts';
import { loadConfig } from '../../server/config.ts';
import type { FhirClient } from './fhir-client.ts';

/** The Redis the delivery tests use for BullMQ (CI sets REDIS_URL; the machine's default otherwise). */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Settings for delivery tests: loopback receivers allowed, fast retries and a short horizon (so
 * exhausting them takes about a second), quick polls and sweeps, and queue keys of their own in the
 * shared Redis, so parallel test files never take each other's jobs.
 */
export function fastDeliverySettings(redisUrl: string | undefined, sweepMs = 300): Partial<Config> {
  const base = loadConfig({});
  return {
    redisUrl,
    subscriptionAllowedHosts: ['127.0.0.1'],
    subscriptions: {
      ...base.subscriptions,
      retry: { baseDelayMs: 40, maxDelayMs: 200, horizonMs: 1_200 },
      pollMs: 50,
      sweepMs,
      lockMs: 2_000,
      queuePrefix: `kp-test-${randomBytes(4).toString('hex')}`,
    },
  };
}

/** Reads the Subscription until it has the status, or fails the test after `timeoutMs`. */
export async function waitForSubscriptionStatus(fhir: FhirClient, id: string, status: string, timeoutMs = 10_000): Promise<Subscription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const read = await fhir.get<Subscription>(`Subscription/${id}`);
    if (read.body.status === status || Date.now() > deadline) {
      expect(read.body.status, JSON.stringify(read.body)).toBe(status);
      return read.body;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
