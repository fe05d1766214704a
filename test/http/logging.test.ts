import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { buildApp } from '../../server/http/app.ts';
import type { Services } from '../../server/services.ts';
import { createServices } from '../../server/services.ts';
import type { TestDatabase } from '../support/database.ts';
import { createTestDatabase } from '../support/database.ts';
import { FhirClient } from '../support/fhir-client.ts';
import { FNR_SYSTEM, syntheticFnr } from '../support/identities.ts';

const lines: string[] = [];
let app: FastifyInstance;
let services: Services;
let database: TestDatabase;
let fhir: FhirClient;

beforeAll(async () => {
  database = await createTestDatabase();
  services = await createServices(loadConfig({ AUTH: 'off', LOG_LEVEL: 'info', SYNTHETIC_IDENTIFIERS: 'accept', DEFAULT_PROFILES: 'off' }), database.db);
  app = await buildApp(services, { logStream: { write: (line) => lines.push(line) } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  fhir = new FhirClient(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/fhir`);
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

test('every request is logged as JSON with its request id, and no personal data reaches the log', async () => {
  const fnr = syntheticFnr(77);
  const created = await fhir.create({
    resourceType: 'Patient',
    identifier: [{ system: FNR_SYSTEM, value: fnr }],
    name: [{ family: 'Loggfri' }],
  });
  const search = await fhir.get(`Patient?identifier=${FNR_SYSTEM}|${fnr}`, { 'x-request-id': 'trace-123', authorization: 'Bearer secret-token' });
  expect(search.headers.get('x-request-id')).toBe('trace-123');
  await fhir.get('Patient/unknown-id');

  const entries = lines.map((l) => JSON.parse(l) as { reqId?: string; req?: { path?: string }; res?: { statusCode?: number } });
  const ofSearch = entries.filter((e) => e.reqId === 'trace-123');
  expect(ofSearch.length).toBeGreaterThanOrEqual(2); // request received and response sent
  expect(ofSearch.some((e) => e.req?.path === '/fhir/Patient')).toBe(true);
  expect(ofSearch.some((e) => e.res?.statusCode === 200)).toBe(true);
  const all = lines.join('\n');
  expect(all).not.toContain(fnr);
  expect(all).not.toContain('Loggfri');
  expect(all).not.toContain('secret-token');
  expect(all).toContain(`/fhir/Patient/unknown-id`);
  expect(created.id).toBeTruthy();
});
