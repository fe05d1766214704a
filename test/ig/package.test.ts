/**
 * The guide's FHIR package (package.tgz): its manifest names the guide as sushi-config.yaml does, its
 * .index.json lists every file with its canonical URL, the examples sit under example/, and SUSHI
 * takes it as a dependency: a throwaway SUSHI project derives a profile from our alarm profile with
 * 0 errors, and the same project fails when the package is not in its FHIR package cache.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import { list, extract } from 'tar';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readGuideConfig } from '../../implementation-guide/guide-config.ts';
import type { GuideConfig } from '../../implementation-guide/guide-config.ts';
import { canonicalOf, loadCatalog } from '../../implementation-guide/load.ts';
import type { Catalog } from '../../implementation-guide/load.ts';
import { writePackage } from '../../implementation-guide/package.ts';
import type { PackageIndex, PackageManifest } from '../../implementation-guide/package.ts';

const ALARM_URL = 'https://knutepunkt.dev/fhir/StructureDefinition/wt-detectedissue';
const ALARM_EXAMPLE = 'DetectedIssue-wt-detectedissue-example.json';
const DERIVED_ID = 'strict-alarm';
/** The FHIR package cache the profile build assembles from npm packages (scripts/build-profiles.ts). */
const BUILD_PACKAGE_CACHE = new URL('../../.fhir-home/.fhir/packages/', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const SUSHI = join(dirname(require.resolve('fsh-sushi/package.json')), 'dist', 'app.js');

let work: string;
let archive: string;
/** The archive unpacked: its `package/` folder. */
let unpacked: string;
let config: GuideConfig;
let catalog: Catalog;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kp-ig-package-'));
  catalog = loadCatalog();
  config = readGuideConfig();
  archive = join(work, 'package.tgz');
  writePackage(catalog, archive, config);
  mkdirSync(join(work, 'unpacked'));
  extract({ file: archive, cwd: join(work, 'unpacked'), sync: true });
  unpacked = join(work, 'unpacked', 'package');
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

describe('the FHIR package', () => {
  test('holds everything under package/', () => {
    const paths: string[] = [];
    list({ file: archive, sync: true, onReadEntry: (entry) => paths.push(entry.path) });
    expect(paths[0]).toBe('package/package.json');
    expect(paths.filter((p) => !p.startsWith('package/'))).toEqual([]);
    expect(paths).toContain('package/.index.json');
    expect(paths).toContain('package/example/.index.json');
  });

  test('has a manifest naming the guide as sushi-config.yaml does', () => {
    const manifest = readJson<PackageManifest>(join(unpacked, 'package.json'));
    expect(manifest).toMatchObject({
      name: 'knutepunkt.fhir',
      version: config.version,
      canonical: 'https://knutepunkt.dev/fhir',
      url: 'https://knutepunkt.dev/fhir',
      title: config.title,
      description: config.description,
      fhirVersions: ['4.0.1'],
      type: 'fhir.ig',
      license: 'CC0-1.0',
      author: 'Knutepunkt',
      jurisdiction: 'urn:iso:std:iso:3166#NO',
    });
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.dependencies['hl7.fhir.r4.core']).toBe('4.0.1');
    for (const dependency of config.dependencies.filter((d) => !d.name.startsWith('hl7.fhir.uv.tools'))) {
      expect(manifest.dependencies[dependency.name], dependency.name).toBe(dependency.version);
    }
    // The local stand-in for the IG Publisher's tooling is no version any registry has.
    expect(Object.keys(manifest.dependencies).filter((name) => name.startsWith('hl7.fhir.uv.tools'))).toEqual([]);
  });

  test('indexes every definition with its canonical URL', () => {
    const index = readJson<PackageIndex>(join(unpacked, '.index.json'));
    expect(index['index-version']).toBe(1);
    const files = readdirSync(unpacked).filter((f) => f.endsWith('.json') && f !== 'package.json' && f !== '.index.json');
    expect(index.files.map((f) => f.filename).sort()).toEqual(files.sort());
    for (const entry of index.files) {
      const resource = readJson<Resource>(join(unpacked, entry.filename));
      expect(entry.filename).toBe(`${resource.resourceType}-${resource.id}.json`);
      expect(entry.resourceType).toBe(resource.resourceType);
      expect(entry.id).toBe(resource.id);
      if (resource.resourceType === 'Basic') {
        // A topic's stand-in has no url element; the index must not give it its topic's.
        expect(entry.url, entry.filename).toBeUndefined();
        continue;
      }
      expect(entry.url, entry.filename).toBe(canonicalOf(resource));
      // Every definition has one: ours under our canonical, official Norwegian code systems their own.
      expect(entry.url, entry.filename).toMatch(/^(https?:|urn:)/);
    }
    const definitions = [catalog.guide, ...catalog.profiles, ...catalog.extensions, ...catalog.codeSystems, ...catalog.valueSets,
      ...catalog.searchParameters, ...catalog.operations, ...catalog.topics].filter((r) => r !== undefined);
    expect(files).toHaveLength(definitions.length);
    expect(index.files.find((f) => f.url === ALARM_URL)).toMatchObject({
      filename: 'StructureDefinition-wt-detectedissue.json',
      kind: 'resource',
      type: 'DetectedIssue',
    });
    expect(files).toContain('ImplementationGuide-knutepunkt.fhir.json');
    expect(files.some((f) => f.startsWith('Basic-topic-'))).toBe(true);
  });

  test('keeps the examples under example/, with an index of their own', () => {
    expect(existsSync(join(unpacked, 'example', ALARM_EXAMPLE))).toBe(true);
    expect(existsSync(join(unpacked, ALARM_EXAMPLE))).toBe(false);
    const index = readJson<PackageIndex>(join(unpacked, 'example', '.index.json'));
    expect(index.files.map((f) => f.filename)).toContain(ALARM_EXAMPLE);
    expect(index.files).toHaveLength(catalog.examples.length);
  });

  test('gives the same bytes when built twice', () => {
    const again = join(work, 'again.tgz');
    writePackage(catalog, again, config);
    expect(readFileSync(again).equals(readFileSync(archive))).toBe(true);
  });
});

interface SushiRun {
  errors: number;
  warnings: number;
  output: string;
  outDir: string;
}

/**
 * A SUSHI project of its own in `dir` that derives a profile from our alarm profile, with a FHIR
 * package cache holding the packages the profile build uses and, when `withPackage`, ours unpacked.
 */
function throwawayProject(dir: string, withPackage: boolean): void {
  const cache = join(dir, '.fhir', 'packages');
  mkdirSync(cache, { recursive: true });
  for (const entry of readdirSync(BUILD_PACKAGE_CACHE)) {
    if (!entry.startsWith(`${config.id}#`)) {
      symlinkSync(join(BUILD_PACKAGE_CACHE, entry), join(cache, entry), 'dir');
    }
  }
  if (withPackage) {
    const target = join(cache, `${config.id}#${config.version}`);
    mkdirSync(target);
    extract({ file: archive, cwd: target, sync: true });
  }
  // The packages SUSHI always loads are pinned as in our own project: they are all it has offline.
  const dependencies = [{ name: config.id, version: config.version }, ...config.dependencies]
    .map((d) => `  ${d.name}: ${d.version}`)
    .join('\n');
  // FSH only: the profile is all the test needs, and an IG would want much more configuration.
  writeFileSync(join(dir, 'sushi-config.yaml'), `canonical: http://example.org/fhir/derived
status: draft
version: 0.0.1
fhirVersion: 4.0.1
FSHOnly: true
dependencies:
${dependencies}
`);
  mkdirSync(join(dir, 'input', 'fsh'), { recursive: true });
  writeFileSync(join(dir, 'input', 'fsh', 'strict-alarm.fsh'), `Profile: StrictAlarm
Parent: ${ALARM_URL}
Id: ${DERIVED_ID}
Title: "Strict alarm"
Description: "An alarm that always names its author and its severity."
* author 1..1
* severity 1..1
`);
}

/** Runs SUSHI on the project in `dir` with its own package cache as the FHIR package cache. */
function runSushi(dir: string): Promise<SushiRun> {
  const outDir = join(dir, 'out');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SUSHI, 'build', dir, '--snapshot', '--out', outDir], {
      // An unreachable registry makes a package missing from the cache fail at once, not after a timeout.
      env: { ...process.env, HOME: dir, USERPROFILE: dir, FPL_REGISTRY: 'http://127.0.0.1:9' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      const counts = /(\d+) Errors?\s+(\d+) Warnings?/.exec(output);
      resolve({ errors: counts ? Number(counts[1]) : Math.max(1, status ?? 1), warnings: counts ? Number(counts[2]) : 0, output, outDir });
    });
  });
}

describe('the FHIR package as a SUSHI dependency', () => {
  let withPackage: SushiRun;
  let withoutPackage: SushiRun;

  beforeAll(async () => {
    expect(existsSync(BUILD_PACKAGE_CACHE), 'the profile build’s package cache (node scripts/build-profiles.ts)').toBe(true);
    const dirs = [join(work, 'with-package'), join(work, 'without-package')];
    throwawayProject(dirs[0], true);
    throwawayProject(dirs[1], false);
    // Side by side: each run spends most of its time loading the FHIR core.
    [withPackage, withoutPackage] = await Promise.all(dirs.map(runSushi));
  }, 120_000);

  test('builds a profile derived from the alarm profile with 0 errors', () => {
    expect(withPackage.errors, withPackage.output).toBe(0);
    expect(withPackage.warnings, withPackage.output).toBe(0);
    const derivedFile = join(withPackage.outDir, 'fsh-generated', 'resources', `StructureDefinition-${DERIVED_ID}.json`);
    expect(existsSync(derivedFile), withPackage.output).toBe(true);
    const derived = readJson<StructureDefinition>(derivedFile);
    expect(derived.baseDefinition).toBe(ALARM_URL);
    expect(derived.type).toBe('DetectedIssue');

    const alarm = readJson<StructureDefinition>(join(unpacked, 'StructureDefinition-wt-detectedissue.json'));
    const snapshot = new Map((derived.snapshot?.element ?? []).map((e) => [e.id, e]));
    // Its own constraints …
    expect(snapshot.get('DetectedIssue.author')?.min).toBe(1);
    expect(snapshot.get('DetectedIssue.severity')?.min).toBe(1);
    // … over every cardinality and must-support our alarm profile sets (the R4 core leaves patient 0..1).
    expect(snapshot.get('DetectedIssue.patient')?.min).toBe(1);
    const ours = (alarm.differential?.element ?? []).filter((e) => e.min !== undefined || e.mustSupport);
    expect(ours.length).toBeGreaterThan(3);
    for (const element of ours) {
      const inherited = snapshot.get(element.id);
      expect(inherited, element.id).toBeDefined();
      if (element.min !== undefined && !['DetectedIssue.author', 'DetectedIssue.severity'].includes(element.id ?? '')) {
        expect(inherited?.min, element.id).toBe(element.min);
      }
      if (element.mustSupport) {
        expect(inherited?.mustSupport, element.id).toBe(true);
      }
    }
    expect(snapshot.get('DetectedIssue.identified[x]')?.type?.map((t) => t.code)).toEqual(['dateTime']);
  });

  test('fails without the package in the cache', () => {
    expect(withoutPackage.errors).toBeGreaterThan(0);
    expect(withoutPackage.output).toContain(config.id);
    expect(existsSync(join(withoutPackage.outDir, 'fsh-generated', 'resources', `StructureDefinition-${DERIVED_ID}.json`))).toBe(false);
  });
});
