import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { usingPostgres } from '../support/database.ts';
import type { TestServer } from '../support/server.ts';
import { startTestServer } from '../support/server.ts';

/**
 * The README's onboarding walkthrough, exactly as a reader would paste it, against a live server
 * with authentication on: the admin tool writes to the server's own database while it runs, so
 * this needs PostgreSQL (the embedded store has one connection, held by the server).
 */

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const keys = mkdtempSync(join(tmpdir(), 'knutepunkt-onboarding-'));
let server: TestServer;

beforeAll(async () => {
  if (usingPostgres) {
    server = await startTestServer({ auth: 'on', defaultProfiles: true, syntheticIdentifiers: true });
  }
});
afterAll(async () => {
  await server?.close();
  rmSync(keys, { recursive: true, force: true });
});

function onboarding(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /```bash onboarding\n([\s\S]*?)```/.exec(readme);
  if (!block) {
    throw new Error('README.md has no ```bash onboarding block');
  }
  return block[1];
}

test.skipIf(!usingPostgres)('the onboarding walkthrough: from a clean database to a vendor writing an alarm and the EPJ reading it, each with its own token', async () => {
  const { stdout, stderr } = await run('bash', ['-euo', 'pipefail', '-c', onboarding()], {
    cwd: root,
    // Vitest sets BASE_URL (a Vite setting); the admin tool would take it for the server's public URL.
    env: { ...process.env, BASE_URL: '', BASE: server.base, KEYS: keys, DATABASE_URL: server.database.url },
  });
  const lines = stdout.split('\n').filter(Boolean);
  // tenant create, two client registrations (pretty JSON), the alarm, the search, and the 401.
  expect(stderr.match(/HTTP \d+/g)).toEqual(['HTTP 201', 'HTTP 201', 'HTTP 200']);
  expect(lines.at(-1)).toBe('401');
  const alarm = JSON.parse(lines.at(-3) as string);
  const found = JSON.parse(lines.at(-2) as string);
  expect(alarm).toMatchObject({ resourceType: 'DetectedIssue', code: { coding: [{ code: '4.1' }] } });
  expect(found.resourceType).toBe('Bundle');
  expect(found.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([alarm.id]);
  const clients = await server.services.auth.clients.client('vft-demo');
  expect(clients).toMatchObject({ tenant: '920000002', role: 'vendor', serviceCodes: ['TA'] });
  expect(JSON.stringify(clients?.jwks)).not.toContain('"d"'); // only the public half was registered
});
