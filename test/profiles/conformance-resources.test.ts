/**
 * The profile build served as FHIR resources: at start the server stores the build's
 * StructureDefinitions, ValueSets and CodeSystems (not the ImplementationGuide) in the default
 * tenant, so clients find them by search; a restart over the same database makes no new versions.
 */
import type { Bundle, CodeSystem, CodeSystemConcept, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { buildApp } from '../../server/http/app.ts';
import { createServices } from '../../server/services.ts';
import { createTestDatabase } from '../support/database.ts';
import type { TestDatabase } from '../support/database.ts';
import { FhirClient } from '../support/fhir-client.ts';
import { useTestServer } from '../support/server.ts';
import { buildResources, countOf, SD_BASE, withoutServerMeta } from './cases.ts';

const env = useTestServer({ defaultProfiles: true });
const fhir = env.fhir;

const build = buildResources();
const served = build.filter((r) => ['StructureDefinition', 'ValueSet', 'CodeSystem'].includes(r.resourceType)) as (Resource & { url: string; id: string })[];

/** The single match of a search by canonical URL. */
async function byUrl<T extends Resource>(client: FhirClient, type: string, url: string): Promise<T> {
  const res = await client.get<Bundle<T>>(`${type}?url=${encodeURIComponent(url)}`);
  expect(res.status, res.text).toBe(200);
  const matches = (res.body.entry ?? []).filter((e) => e.search?.mode !== 'include');
  expect(matches, `${type}?url=${url}`).toHaveLength(1);
  return matches[0].resource as T;
}

function codesOf(concepts: CodeSystemConcept[] = []): string[] {
  return concepts.flatMap((c) => [c.code, ...codesOf(c.concept)]);
}

describe('the definitions of the profile build are served', () => {
  test('the wt-patient profile is found by its URL, with its snapshot, as the build made it', async () => {
    const sd = await byUrl<StructureDefinition>(fhir, 'StructureDefinition', `${SD_BASE}wt-patient`);
    expect(sd.id).toBe('wt-patient');
    expect(sd.kind).toBe('resource');
    expect(sd.type).toBe('Patient');
    expect(sd.snapshot?.element.length).toBeGreaterThan(20);
    expect(sd.snapshot?.element.some((e) => e.id === 'Patient.identifier' && e.min === 1)).toBe(true);
    expect(withoutServerMeta(sd)).toEqual(withoutServerMeta(build.find((r) => r.id === 'wt-patient') as Resource));
    expect(sd.meta?.versionId).toBe('1');
  });

  test('the VKP alert-code system is found by its official URL and holds the alert codes', async () => {
    const cs = await byUrl<CodeSystem>(fhir, 'CodeSystem', 'http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090');
    const codes = codesOf(cs.concept);
    for (const code of ['1', '1.1', '1.23', '4.1', '4.26', '5.2', '5.2.1', '7.1']) {
      expect(codes).toContain(code);
    }
    expect(codes).not.toContain('9.9');
  });

  test('the alert-code value set is found by its URL and draws on the VKP alert-code system', async () => {
    const vs = await byUrl<ValueSet>(fhir, 'ValueSet', 'https://knutepunkt.dev/fhir/ValueSet/alert-code');
    expect(vs.compose?.include.some((i) => i.system === 'http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090')).toBe(true);
  });

  test('every StructureDefinition, ValueSet and CodeSystem of the build is served, once, by its URL', async () => {
    expect(served.length).toBeGreaterThan(60);
    for (const type of ['StructureDefinition', 'ValueSet', 'CodeSystem']) {
      expect(await countOf(fhir, type), type).toBe(served.filter((r) => r.resourceType === type).length);
    }
    for (const resource of served) {
      const found = await byUrl(fhir, resource.resourceType, resource.url);
      expect(found.id, resource.url).toBe(resource.id);
    }
  });

  test('they are plain resources: read by id, with one version', async () => {
    const read = await fhir.get<CodeSystem>('CodeSystem/vkp-alert-code');
    expect(read.status).toBe(200);
    expect(read.body.url).toBe('http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090');
    const history = await fhir.get<Bundle>('StructureDefinition/wt-medicationdispense/_history');
    expect(history.status).toBe(200);
    expect(history.body.entry).toHaveLength(1);
  });

  test('the ImplementationGuide is not served', async () => {
    expect(build.some((r) => r.resourceType === 'ImplementationGuide')).toBe(true);
    expect(await countOf(fhir, 'ImplementationGuide')).toBe(0);
  });
});

describe('a restart over the same database', () => {
  let database: TestDatabase | undefined;
  const apps: FastifyInstance[] = [];
  afterAll(async () => {
    for (const app of apps) {
      await app.close();
    }
    await database?.drop();
  });

  /** Services and HTTP over `database`, as a server start makes them. */
  async function start(db: TestDatabase): Promise<FhirClient> {
    const config = loadConfig({ AUTH: 'off', LOG_LEVEL: 'silent', SYNTHETIC_IDENTIFIERS: 'accept', DEFAULT_PROFILES: 'on' });
    const services = await createServices(config, db.db);
    const app = await buildApp(services);
    apps.push(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    return new FhirClient(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/fhir`);
  }

  /** Versions in the whole history of each definition type. */
  async function historyTotals(client: FhirClient): Promise<Record<string, number>> {
    const totals: Record<string, number> = {};
    for (const type of ['StructureDefinition', 'ValueSet', 'CodeSystem']) {
      const res = await client.get<Bundle>(`${type}/_history?_count=1000`);
      expect(res.status, res.text).toBe(200);
      totals[type] = res.body.entry?.length ?? 0;
    }
    return totals;
  }

  test('makes no new versions of unchanged definitions, and puts back a definition changed since', async () => {
    database = await createTestDatabase();
    const first = await start(database);
    const expected = {
      StructureDefinition: served.filter((r) => r.resourceType === 'StructureDefinition').length,
      ValueSet: served.filter((r) => r.resourceType === 'ValueSet').length,
      CodeSystem: served.filter((r) => r.resourceType === 'CodeSystem').length,
    };
    expect(await historyTotals(first)).toEqual(expected);

    // Someone edits one definition through the API: version 2.
    const original = (await first.get<StructureDefinition>('StructureDefinition/wt-detectedissue')).body;
    const edited = await first.put<StructureDefinition>('StructureDefinition/wt-detectedissue', { ...original, description: 'Edited by hand' });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.body.meta?.versionId).toBe('2');

    const second = await start(database);
    // Unchanged definitions: still one version each.
    const wtPatient = await second.get<StructureDefinition>('StructureDefinition/wt-patient');
    expect(wtPatient.body.meta?.versionId).toBe('1');
    const alertCodes = await second.get<Bundle>('CodeSystem/vkp-alert-code/_history');
    expect(alertCodes.body.entry).toHaveLength(1);
    // The edited one is put back as the build has it: one version more, and nothing else.
    const restored = await second.get<StructureDefinition>('StructureDefinition/wt-detectedissue');
    expect(restored.body.meta?.versionId).toBe('3');
    expect(withoutServerMeta(restored.body)).toEqual(withoutServerMeta(build.find((r) => r.id === 'wt-detectedissue') as Resource));
    expect(await historyTotals(second)).toEqual({ ...expected, StructureDefinition: expected.StructureDefinition + 2 });

    // A third start finds everything as the build has it and writes nothing.
    const third = await start(database);
    expect(await historyTotals(third)).toEqual({ ...expected, StructureDefinition: expected.StructureDefinition + 2 });
    expect((await third.get<StructureDefinition>('StructureDefinition/wt-detectedissue')).body.meta?.versionId).toBe('3');
  });
});
