/**
 * Shared material for the profile suites: the example instances of the profile build, the invalid
 * payloads in examples/invalid/, and assertions on the OperationOutcomes the server answers with.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OperationOutcome, OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { expect } from 'vitest';
import { PROFILE_BUILD_DIR, readProfileBuild } from '../../server/validation/profile-registry.ts';
import type { FhirClient, JsonResponse } from '../support/fhir-client.ts';

export const CANONICAL = 'https://knutepunkt.dev/fhir';
export const SD_BASE = `${CANONICAL}/StructureDefinition/`;

/** Repository root (test/profiles/../..). */
export const ROOT = new URL('../../', import.meta.url).pathname;
export const INVALID_DIR = join(ROOT, 'examples', 'invalid');

/** Resource types of the build that are definitions, not example instances. */
export const CONFORMANCE_TYPES = new Set(['StructureDefinition', 'ValueSet', 'CodeSystem', 'OperationDefinition', 'ImplementationGuide', 'SearchParameter']);

/** One payload of examples/invalid/<profile-id>/<case>.json. */
export interface InvalidCase {
  /** `<profile-id>/<case>`, the name a failing test carries. */
  name: string;
  /** The folder: the id of the profile (resource, datatype or extension) the case is about. */
  folder: string;
  description: string;
  profile: string;
  expected: { status: number; expression: string; message: string };
  resource: Resource;
}

/** Every invalid case, sorted by folder and file name. */
export function invalidCases(dir = INVALID_DIR): InvalidCase[] {
  const cases: InvalidCase[] = [];
  for (const folder of readdirSync(dir).sort()) {
    for (const file of readdirSync(join(dir, folder)).filter((f) => f.endsWith('.json')).sort()) {
      const parsed = JSON.parse(readFileSync(join(dir, folder, file), 'utf8')) as Omit<InvalidCase, 'name' | 'folder'>;
      cases.push({ ...parsed, name: `${folder}/${file.replace(/\.json$/, '')}`, folder });
    }
  }
  return cases;
}

/** The folders of examples/invalid/. */
export function invalidFolders(dir = INVALID_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** Everything the profile build made (definitions and examples), from `dir` (default: the server's build). */
export function buildResources(dir = PROFILE_BUILD_DIR): Resource[] {
  return readProfileBuild(dir);
}

/** The example instances of a build: every resource that is not a conformance resource. */
export function exampleInstances(resources = buildResources()): (Resource & { id: string })[] {
  // Subscription topics are definitions the server publishes itself at start (topics.test.ts).
  const isTopic = (r: Resource) => r.resourceType === 'Basic' && r.code?.coding?.some((c) => c.code === 'SubscriptionTopic');
  return resources.filter((r): r is Resource & { id: string } => !CONFORMANCE_TYPES.has(r.resourceType) && !isTopic(r));
}

/** The resource profiles we define: StructureDefinition, kind resource, constraint on a type, under our canonical base. */
export function ownResourceProfiles(resources = buildResources()): StructureDefinition[] {
  return resources.filter(
    (r): r is StructureDefinition =>
      r.resourceType === 'StructureDefinition' &&
      r.kind === 'resource' &&
      r.derivation === 'constraint' &&
      typeof r.url === 'string' &&
      r.url.startsWith(`${CANONICAL}/`),
  );
}

/** One line per issue of a response body that may be an OperationOutcome, for assertion messages. */
export function describeIssues(body: unknown): string {
  const outcome = body as OperationOutcome | undefined;
  if (outcome?.resourceType !== 'OperationOutcome') {
    return `(a ${outcome?.resourceType ?? 'body'} without issues)`;
  }
  return (outcome.issue ?? [])
    .map((i) => `${i.severity} ${i.code} at ${(i.expression ?? []).join(',') || '-'}: ${i.details?.text ?? i.diagnostics ?? ''}`)
    .join('\n');
}

/** The error issues of an outcome whose expression names `expression` and whose details.text contains `message`. */
export function errorsAt(outcome: OperationOutcome | undefined, expression: string, message: string): OperationOutcomeIssue[] {
  return (outcome?.issue ?? []).filter(
    (i) => i.severity === 'error' && (i.expression ?? []).includes(expression) && (i.details?.text ?? '').includes(message),
  );
}

/**
 * A refusal as a user sees it: the status, an OperationOutcome body (with id "business-rule" for
 * a 422), and at least one error issue at `expression` whose text contains `message`.
 */
export function expectRefusal(res: JsonResponse, status: number, expression: string, message: string): void {
  const context = `${res.status}\n${describeIssues(res.body)}\n${res.text.slice(0, 2000)}`;
  expect(res.status, context).toBe(status);
  expect(res.headers.get('content-type'), context).toContain('application/fhir+json');
  expect(res.body?.resourceType, context).toBe('OperationOutcome');
  if (status === 422) {
    expect(res.body.id, context).toBe('business-rule');
  }
  expect(errorsAt(res.body, expression, message), `no error issue at ${expression} containing "${message}" in\n${context}`).not.toHaveLength(0);
}

/** How many current resources of a type the server holds, counted by the server (`_summary=count`). */
export async function countOf(fhir: FhirClient, type: string, query = ''): Promise<number> {
  const res = await fhir.get(`${type}?${query}${query ? '&' : ''}_summary=count`);
  expect(res.status, res.text).toBe(200);
  expect(typeof res.body.total, res.text).toBe('number');
  return res.body.total as number;
}

/** The resource types a payload stores if taken: its own, and for a Bundle those of its entries. */
export function typesIn(resource: Resource): string[] {
  const types = new Set([resource.resourceType as string]);
  if (resource.resourceType === 'Bundle') {
    for (const entry of resource.entry ?? []) {
      if (entry.resource?.resourceType) {
        types.add(entry.resource.resourceType);
      }
    }
  }
  return [...types].sort();
}

/** Totals per type, to compare before and after a refused write. */
export async function countsOf(fhir: FhirClient, types: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const type of types) {
    counts[type] = await countOf(fhir, type);
  }
  return counts;
}

/** A resource without the meta fields the server manages, to compare what was sent with what is stored. */
export function withoutServerMeta(resource: Resource): unknown {
  const meta = { ...resource.meta };
  delete meta.versionId;
  delete meta.lastUpdated;
  return { ...resource, meta: Object.keys(meta).length ? meta : undefined };
}
