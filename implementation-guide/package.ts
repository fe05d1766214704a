/**
 * The guide as a FHIR NPM package (package.tgz), the form SUSHI, the IG Publisher and validators load
 * a guide in: `package/package.json` (the manifest), every conformance resource as
 * `package/<Type>-<id>.json`, the examples under `package/example/`, and in both folders an
 * `.index.json` that lets tools find a resource by type, id or URL without parsing every file.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { create } from 'tar';
import { readGuideConfig } from './guide-config.ts';
import type { GuideConfig } from './guide-config.ts';
import { canonicalOf, definitionsOf } from './load.ts';
import type { Catalog } from './load.ts';

/** `package/package.json`: the fields the FHIR package specification defines for a guide. */
export interface PackageManifest {
  name: string;
  version: string;
  canonical: string;
  url: string;
  title?: string;
  description?: string;
  fhirVersions: string[];
  type: 'fhir.ig';
  license?: string;
  author?: string;
  jurisdiction?: string;
  dependencies: Record<string, string>;
}

/** One file in `.index.json` (index-version 1). */
export interface PackageIndexEntry {
  filename: string;
  resourceType: string;
  id?: string;
  url?: string;
  version?: string;
  /** StructureDefinition.kind and .type, so a tool can find the profiles of a resource type. */
  kind?: string;
  type?: string;
  /** CodeSystem.content and .supplements. */
  content?: string;
  supplements?: string;
}

export interface PackageIndex {
  'index-version': 1;
  files: PackageIndexEntry[];
}

/** The core package of each FHIR version a guide can be built on. */
const CORE_PACKAGES: Record<string, string> = { '4.0.1': 'hl7.fhir.r4.core' };

/**
 * The IG Publisher's tooling package: SUSHI insists on loading it, so sushi-config.yaml pins a local
 * empty stand-in (see docs/toolchain.md). No definition of ours uses it, and a package that named the
 * stand-in would send other tools looking for a version no registry has, so the manifest leaves it out.
 */
const TOOLING_PACKAGE = /^hl7\.fhir\.uv\.tools(\.|$)/;

/** Every file has this time in the archive, so that an unchanged guide gives a byte-identical package. */
const ARCHIVE_TIME = new Date('2000-01-01T00:00:00Z');

/** The manifest of the guide's package. */
export function packageManifest(config: GuideConfig): PackageManifest {
  const dependencies: Record<string, string> = {};
  for (const fhirVersion of config.fhirVersions) {
    const core = CORE_PACKAGES[fhirVersion];
    if (!core) {
      throw new Error(`No FHIR core package known for FHIR ${fhirVersion}`);
    }
    dependencies[core] = fhirVersion;
  }
  for (const dependency of config.dependencies) {
    if (!TOOLING_PACKAGE.test(dependency.name)) {
      dependencies[dependency.name] = dependency.version;
    }
  }
  return {
    name: config.id,
    version: config.version,
    canonical: config.canonical,
    url: config.canonical,
    title: config.title,
    description: config.description,
    fhirVersions: config.fhirVersions,
    type: 'fhir.ig',
    license: config.license,
    author: config.publisher,
    jurisdiction: config.jurisdictions[0],
    dependencies,
  };
}

/** The file name the package specification gives a resource. */
export function packageFileName(resource: Resource): string {
  return `${resource.resourceType}-${resource.id}.json`;
}

function indexEntry(filename: string, resource: Resource): PackageIndexEntry {
  const r = resource as { version?: string; kind?: string; type?: string; content?: string; supplements?: string };
  // A Basic standing in for an R5 SubscriptionTopic has no url element: listing its topic's url would
  // let a tool resolving that canonical find a Basic.
  const url = resource.resourceType === 'Basic' ? undefined : canonicalOf(resource);
  const entry: PackageIndexEntry = { filename, resourceType: resource.resourceType, id: resource.id, url, version: r.version };
  if (resource.resourceType === 'StructureDefinition') {
    entry.kind = r.kind;
    entry.type = r.type;
  } else if (resource.resourceType === 'CodeSystem') {
    entry.content = r.content;
    entry.supplements = r.supplements;
  }
  return entry;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** One folder of the package: its resources by file name, and its `.index.json`. */
function folder(prefix: string, resources: Resource[]): Map<string, string> {
  const files = new Map<string, string>();
  const index: PackageIndex = { 'index-version': 1, files: [] };
  for (const resource of [...resources].sort((a, b) => packageFileName(a).localeCompare(packageFileName(b)))) {
    const name = packageFileName(resource);
    if (files.has(`${prefix}${name}`)) {
      throw new Error(`Two resources would be written to ${prefix}${name}`);
    }
    files.set(`${prefix}${name}`, json(resource));
    index.files.push(indexEntry(name, resource));
  }
  files.set(`${prefix}.index.json`, json(index));
  return files;
}

/** Every file of the package by its path in the archive, the manifest first. */
export function packageFiles(catalog: Catalog, config: GuideConfig = readGuideConfig()): Map<string, string> {
  return new Map([
    ['package/package.json', json(packageManifest(config))],
    ...folder('package/', definitionsOf(catalog)),
    ...folder('package/example/', catalog.examples.map((e) => e.resource)),
  ]);
}

/** Writes the package as a gzipped tarball to `file`. */
export function writePackage(catalog: Catalog, file: string, config: GuideConfig = readGuideConfig()): void {
  const files = packageFiles(catalog, config);
  // tar archives files from disk, so the package is staged in a folder of its own first.
  const stage = mkdtempSync(join(tmpdir(), 'kp-fhir-package-'));
  try {
    for (const [path, content] of files) {
      mkdirSync(dirname(join(stage, path)), { recursive: true });
      writeFileSync(join(stage, path), content);
    }
    mkdirSync(dirname(file), { recursive: true });
    // The files listed one by one, in a fixed order, and without owners or times from this machine.
    create({ gzip: true, sync: true, file, cwd: stage, portable: true, mtime: ARCHIVE_TIME, noDirRecurse: true }, [...files.keys()]);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** The package as the bytes of package.tgz. */
export function packageArchive(catalog: Catalog, config: GuideConfig = readGuideConfig()): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'kp-fhir-package-'));
  try {
    const file = join(dir, 'package.tgz');
    writePackage(catalog, file, config);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
