import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { TestServer } from '../support/server.ts';
import { startTestServer } from '../support/server.ts';

const run = promisify(execFile);
let server: TestServer;
const workDir = mkdtempSync(join(tmpdir(), 'knutepunkt-readme-'));

beforeAll(async () => {
  // As the README starts it: product defaults, with synthetic identities accepted.
  server = await startTestServer({ defaultProfiles: true, syntheticIdentifiers: true });
});
afterAll(async () => {
  await server?.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** The README's walkthrough block, exactly as a reader would paste it. */
function walkthrough(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /```bash walkthrough\n([\s\S]*?)```/.exec(readme);
  if (!block) {
    throw new Error('README.md has no ```bash walkthrough block');
  }
  return block[1];
}

test('the README walkthrough runs against a live server and does what it says', async () => {
  const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', walkthrough()], {
    cwd: workDir,
    env: { ...process.env, BASE: server.base },
  });
  // One JSON document per curl that prints a body, and the status of the refused alarm.
  const lines = stdout.replace(/}\s*{"resourceType"/g, '}\n{"resourceType"').replace(/}\s*(\d{3})\n/, '}\n$1\n').split('\n').filter(Boolean);
  expect(lines).toContain('422');
  const documents = lines.filter((l) => l !== '422').map((l) => JSON.parse(l));
  expect(documents.map((d) => d.resourceType)).toEqual([
    'Patient', 'Patient', 'Bundle', 'Patient', 'Bundle', 'DetectedIssue', 'OperationOutcome', 'OperationOutcome', 'Bundle',
  ]);
  const [created, read, search, updated, history, alarm, refused, validated, profiles] = documents;
  expect(alarm.id).toBeTruthy();
  expect(refused.issue[0].expression).toEqual(['DetectedIssue.code.coding[0]']);
  expect(refused.issue[0].details.text).toContain('is not in the required value set https://knutepunkt.dev/fhir/ValueSet/alert-code');
  expect(validated.issue).toEqual([expect.objectContaining({ severity: 'information' })]);
  expect(profiles.total).toBe(1);
  expect(read.id).toBe(created.id);
  expect(search.type).toBe('searchset');
  expect(search.total).toBe(1);
  expect(search.entry[0].resource.id).toBe(created.id);
  expect(updated.meta.versionId).toBe('2');
  expect(updated.name[0].given).toEqual(['Kari', 'Nordkvinne']);
  expect(history.type).toBe('history');
  expect(history.entry).toHaveLength(2);
});
