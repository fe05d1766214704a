/**
 * The offline profile build (SUSHI over profiles/*.fsh) into a folder of its own, and what it must
 * contain: an example and invalid payloads for every resource profile, and the VKP and Norwegian
 * code systems with their codes.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CodeSystem, CodeSystemConcept, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROFILE_BUILD_DIR } from '../../server/validation/profile-registry.ts';
import { buildResources, exampleInstances, invalidCases, invalidFolders, ownResourceProfiles, ROOT } from './cases.ts';

const run = promisify(execFile);

let outDir: string;
let build: { code: number; stdout: string; stderr: string };
let resources: Resource[] = [];

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'kp-profile-build-'));
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/build-profiles.ts', '--out', outDir], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    build = { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    build = { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(err) };
  }
  resources = buildResources(join(outDir, 'profiles', 'fsh-generated', 'resources'));
}, 180_000);

afterAll(() => {
  if (outDir) {
    rmSync(outDir, { recursive: true, force: true });
  }
});

const codeSystem = (url: string): CodeSystem => {
  const found = resources.find((r): r is CodeSystem => r.resourceType === 'CodeSystem' && r.url === url);
  if (!found) {
    throw new Error(`the build has no CodeSystem ${url}`);
  }
  return found;
};

/** Every code of a code system with the code of its parent (undefined at the top). */
function withParents(concepts: CodeSystemConcept[] = [], parent?: string): { code: string; parent?: string }[] {
  return concepts.flatMap((c) => [{ code: c.code as string, parent }, ...withParents(c.concept, c.code)]);
}

function children(cs: CodeSystem, parent: string): string[] {
  return withParents(cs.concept)
    .filter((c) => c.parent === parent)
    .map((c) => c.code);
}

describe('the offline build into its own folder (--out)', () => {
  test('exits 0: SUSHI reported 0 errors and 0 warnings', () => {
    const log = `exit ${build.code}\n${build.stdout}\n${build.stderr}`;
    // The script exits 1 on any SUSHI error or warning, printing SUSHI's log and the counts.
    expect(build.code, log).toBe(0);
    expect(build.stdout, log).toMatch(/^Profiles built in \d+(\.\d+)? s → /);
    expect(build.stderr, log).not.toMatch(/Profile build failed|^\s*(error|warn)\b/im);
    // The stamp is written only when SUSHI's summary counted 0 errors and 0 warnings.
    expect(existsSync(join(outDir, 'profiles', 'build-stamp.json')), log).toBe(true);
  });

  test('writes into the folder asked for, the same set of resources the server loads', () => {
    const built = readdirSync(join(outDir, 'profiles', 'fsh-generated', 'resources')).filter((f) => f.endsWith('.json')).sort();
    expect(built.length).toBeGreaterThan(100);
    expect(built).toEqual(readdirSync(PROFILE_BUILD_DIR).filter((f) => f.endsWith('.json')).sort());
    for (const type of ['StructureDefinition', 'ValueSet', 'CodeSystem', 'ImplementationGuide']) {
      expect(resources.some((r) => r.resourceType === type), type).toBe(true);
    }
    // Built with --snapshot: every profile carries its snapshot.
    for (const sd of resources.filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition')) {
      expect(sd.snapshot?.element.length, sd.url).toBeGreaterThan(0);
    }
  });
});

describe('every resource profile we define is exemplified both ways', () => {
  test('there are resource profiles of ours in the build', () => {
    const ids = ownResourceProfiles(resources).map((p) => p.id);
    expect(ids.length).toBeGreaterThanOrEqual(20);
    expect(ids).toEqual(expect.arrayContaining(['wt-patient', 'wt-medicationdispense', 'wt-detectedissue', 'no-patient', 'wt-alarm-event-bundle']));
  });

  test('each has an example instance in the build that claims it in meta.profile', () => {
    const examples = exampleInstances(resources);
    const without = ownResourceProfiles(resources)
      .filter((p) => !examples.some((e) => e.resourceType === p.type && (e.meta?.profile ?? []).includes(p.url)))
      .map((p) => p.id);
    expect(without, 'profiles without an example instance').toEqual([]);
  });

  test('each has a folder of invalid payloads in examples/invalid named after its id', () => {
    const folders = invalidFolders();
    const without = ownResourceProfiles(resources)
      .map((p) => p.id as string)
      .filter((id) => !folders.includes(id));
    expect(without, 'profiles without examples/invalid/<id>').toEqual([]);
    for (const folder of folders) {
      expect(readdirSync(join(ROOT, 'examples', 'invalid', folder)).filter((f) => f.endsWith('.json')).length, folder).toBeGreaterThan(0);
    }
  });

  test('each invalid folder is named after one of our definitions, and each case claims the resource profile it names', () => {
    const ids = new Set(resources.filter((r) => r.resourceType === 'StructureDefinition').map((r) => r.id));
    expect(invalidFolders().filter((f) => !ids.has(f)), 'folders named after no definition').toEqual([]);
    const profiles = new Map(ownResourceProfiles(resources).map((p) => [p.url, p]));
    for (const c of invalidCases()) {
      expect(profiles.get(c.profile)?.type, `${c.name}: ${c.profile}`).toBe(c.resource.resourceType);
      expect(c.resource.meta?.profile ?? [], c.name).toContain(c.profile);
      expect([400, 422], c.name).toContain(c.expected.status);
      expect(c.expected.expression.startsWith(c.resource.resourceType), c.name).toBe(true);
      expect(c.expected.message.length, c.name).toBeGreaterThan(3);
    }
  });
});

describe('the code systems hold their codes', () => {
  test('every VKP code system is at its official URI, version 0.9.0, complete, and not empty', () => {
    const vkp = resources.filter((r): r is CodeSystem => r.resourceType === 'CodeSystem' && (r.url ?? '').startsWith('http://ehelse.no/fhir/CodeSystem/vkp-'));
    expect(vkp.length).toBeGreaterThanOrEqual(12);
    for (const cs of vkp) {
      expect(cs.url, cs.id).toMatch(/^http:\/\/ehelse\.no\/fhir\/CodeSystem\/vkp-[a-z-]+-v090$/);
      expect(cs.version, cs.url).toBe('0.9.0');
      expect(cs.content, cs.url).toBe('complete');
      expect(cs.status, cs.url).toBe('active');
      expect(withParents(cs.concept).length, cs.url).toBeGreaterThan(0);
    }
  });

  test('in the hierarchical VKP code systems every dotted code sits under its parent (1.1 under 1, 5.2.1 under 5.2)', () => {
    const hierarchical = resources.filter(
      (r): r is CodeSystem => r.resourceType === 'CodeSystem' && (r.url ?? '').startsWith('http://ehelse.no/fhir/CodeSystem/vkp-') && r.hierarchyMeaning === 'is-a',
    );
    expect(hierarchical.map((cs) => cs.id)).toEqual(expect.arrayContaining(['vkp-alert-code', 'vkp-medicationdispense-events']));
    for (const cs of hierarchical) {
      for (const { code, parent } of withParents(cs.concept)) {
        const expectedParent = code.includes('.') ? code.slice(0, code.lastIndexOf('.')) : undefined;
        expect(parent, `${cs.url}#${code}`).toBe(expectedParent);
      }
    }
  });

  test('vkp-alert-code: 1.1 … 1.23 under 1, 4.1 … 4.26 under 4, 5.2.1 under 5.2', () => {
    const cs = codeSystem('http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090');
    const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}.${i + 1}`);
    expect(children(cs, '1')).toEqual(range('1', 23));
    expect(children(cs, '4')).toEqual(range('4', 26));
    expect(children(cs, '5.2')).toContain('5.2.1');
    expect(withParents(cs.concept).filter((c) => c.parent === undefined).map((c) => c.code)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    const fall = withParents(cs.concept).find((c) => c.code === '4.1');
    expect(fall?.parent).toBe('4');
  });

  test('IPLOS service types (Volven 9151) include 6, 26, 27 and 28 at the official OID', () => {
    const cs = codeSystem('urn:oid:2.16.578.1.12.4.1.1.9151');
    const codes = withParents(cs.concept).map((c) => c.code);
    expect(codes).toEqual(expect.arrayContaining(['6', '26', '27', '28']));
    // Codes no longer in use are left out.
    for (const retired of ['10', '12', '13', '16']) {
      expect(codes).not.toContain(retired);
    }
  });

  test('the service codes are RT TA GPS MD DT DHO, each mapped to its IPLOS code where there is one', () => {
    const cs = codeSystem('https://knutepunkt.dev/fhir/CodeSystem/service-code');
    expect(withParents(cs.concept).map((c) => c.code)).toEqual(['RT', 'TA', 'GPS', 'MD', 'DT', 'DHO']);
    const iplos = Object.fromEntries(
      (cs.concept ?? []).map((c) => [c.code, c.property?.find((p) => p.code === 'iplos')?.valueCoding?.code]),
    );
    expect(iplos).toEqual({ RT: undefined, TA: '6', GPS: '26', MD: '27', DT: '28', DHO: undefined });
  });
});
