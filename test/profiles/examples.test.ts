/**
 * The profile build's example instances and the invalid payloads of examples/invalid/, written over
 * HTTP to a server with the product's default policy (default profiles on): every example is
 * taken, every invalid payload is refused with the status, location and message it documents,
 * and nothing of a refused payload is stored.
 */
import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { useTestServer } from '../support/server.ts';
import { countsOf, describeIssues, exampleInstances, expectRefusal, invalidCases, typesIn, withoutServerMeta } from './cases.ts';

const env = useTestServer({ defaultProfiles: true });
const fhir = env.fhir;

const examples = exampleInstances();
const cases = invalidCases();

test('the build holds examples and the invalid folder holds the 100 documented cases', () => {
  // Guards the generated tests below against silently running over nothing.
  expect(examples.length).toBeGreaterThanOrEqual(20);
  expect(cases.length).toBeGreaterThanOrEqual(100);
});

describe('every example instance of the build is accepted', () => {
  test.each(examples.map((e) => [`${e.resourceType}/${e.id}`, e] as const))('PUT %s → 201, stored as sent', async (path, example) => {
    const res = await fhir.put<Resource>(path, example);
    expect(res.status, `${res.status}\n${describeIssues(res.body)}`).toBe(201);
    expect(res.body.id).toBe(example.id);
    expect(res.body.meta?.versionId).toBe('1');
    const read = await fhir.get<Resource>(path);
    expect(read.status).toBe(200);
    expect(withoutServerMeta(read.body)).toEqual(withoutServerMeta(example));
  });
});

describe('every invalid payload is refused as documented, and nothing of it is stored', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, invalid) => {
    const types = typesIn(invalid.resource);
    const before = await countsOf(fhir, types);
    const res = await fhir.post(invalid.resource.resourceType, invalid.resource);
    expectRefusal(res, invalid.expected.status, invalid.expected.expression, invalid.expected.message);
    expect(res.headers.get('location')).toBeNull();
    expect(await countsOf(fhir, types)).toEqual(before);
  });
});
