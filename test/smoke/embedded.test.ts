import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { buildApp } from '../../server/http/app.ts';
import { createServices } from '../../server/services.ts';
import { FhirClient } from '../support/fhir-client.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'knutepunkt-embedded-'));

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts the server the way `npm start` does without DATABASE_URL: PGlite in DATA_DIR. */
async function start() {
  const config = loadConfig({ AUTH: 'off', LOG_LEVEL: 'silent', DATA_DIR: dataDir, SYNTHETIC_IDENTIFIERS: 'accept', DEFAULT_PROFILES: 'off' });
  const services = await createServices(config);
  const app = await buildApp(services);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    services,
    fhir: new FhirClient(`http://127.0.0.1:${port}/fhir`),
    stop: async () => {
      await app.close();
      await services.close();
    },
  };
}

describe('embedded PGlite store', () => {
  test('keeps resources, history and search indexes in DATA_DIR across restarts', async () => {
    const first = await start();
    expect(first.services.db.engine).toBe('pglite');
    const created = await first.fhir.create<Patient>({ resourceType: 'Patient', name: [{ family: 'Vedvarende' }] });
    await first.fhir.put(`Patient/${created.id}`, { ...created, gender: 'female' });
    await first.stop();

    const second = await start();
    const read = await second.fhir.get<Patient>(`Patient/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body.gender).toBe('female');
    expect(read.body.meta?.versionId).toBe('2');
    const search = await second.fhir.get('Patient?family=vedvarende');
    expect(search.body.entry?.[0]?.resource?.id).toBe(created.id);
    const history = await second.fhir.get(`Patient/${created.id}/_history`);
    expect(history.body.entry).toHaveLength(2);
    // Migrations ran once: a restart applies nothing new.
    const migrations = await second.services.db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migration');
    expect(migrations[0].n).toBeGreaterThan(0);
    await second.stop();
    // Two starts on a cold file store (migrations, then publishing every definition): about 12 s
    // alone, and more than twice that while the rest of the suite runs beside it.
  }, 90_000);

  test('serves a transaction, a search and a delete end to end', async () => {
    const server = await start();
    const bundle = await server.fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:9d1e6b0c-1c1a-4b7e-8f0e-2a3b4c5d6e7f', resource: { resourceType: 'Patient', name: [{ family: 'Røyk' }] }, request: { method: 'POST', url: 'Patient' } },
        {
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
            subject: { reference: 'urn:uuid:9d1e6b0c-1c1a-4b7e-8f0e-2a3b4c5d6e7f' },
          },
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    });
    expect(bundle.status).toBe(200);
    const patientId = bundle.body.entry[0].resource.id;
    const found = await server.fhir.get(`Observation?subject=Patient/${patientId}&code=http://loinc.org|8867-4`);
    expect(found.body.entry).toHaveLength(1);
    expect((await server.fhir.delete(`Observation/${found.body.entry[0].resource.id}`)).status).toBe(200);
    expect((await server.fhir.get(`Observation?subject=Patient/${patientId}`)).body.entry).toBeUndefined();
    await server.stop();
  });
});
