import type {
  Basic,
  CodeSystem,
  ImplementationGuide,
  OperationDefinition,
  Resource,
  SearchParameter,
  StructureDefinition,
  ValueSet,
} from '@medplum/fhirtypes';
import { readProfileBuild } from '../server/validation/profile-registry.ts';

/** An example instance with what the guide says about it. */
export interface Example {
  resource: Resource;
  name: string;
  description?: string;
  /** Canonical URLs of the profiles it is an example of. */
  profiles: string[];
}

/** Everything the profile build produced, sorted into what the guide shows. */
export interface Catalog {
  guide?: ImplementationGuide;
  profiles: StructureDefinition[];
  extensions: StructureDefinition[];
  codeSystems: CodeSystem[];
  valueSets: ValueSet[];
  searchParameters: SearchParameter[];
  operations: OperationDefinition[];
  /** Subscription topics, as R4 carries them: Basic resources coded SubscriptionTopic. */
  topics: Basic[];
  examples: Example[];
  /** Every resource by canonical URL (conformance resources and topics). */
  byUrl: Map<string, Resource>;
}

const TOPIC_URL_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/artifact-url';

/** True for a Basic resource that stands in for an R5 SubscriptionTopic. */
export function isTopic(resource: Resource): resource is Basic {
  return (
    resource.resourceType === 'Basic' &&
    (resource.code?.coding ?? []).some((c) => c.code === 'SubscriptionTopic')
  );
}

/** The canonical URL of a conformance resource or topic. */
export function canonicalOf(resource: Resource): string | undefined {
  if (isTopic(resource)) {
    return resource.extension?.find((e) => e.url === TOPIC_URL_EXTENSION)?.valueUri;
  }
  return (resource as { url?: string }).url;
}

/** The page file of a resource, named as the HL7 IG Publisher names it. */
export function pageOf(resource: Resource): string {
  return `${resource.resourceType}-${resource.id}.html`;
}

/** A short name for tables: title, name or id. */
export function labelOf(resource: Resource): string {
  const r = resource as { title?: string; name?: string };
  if (isTopic(resource)) {
    const title = resource.extension?.find((e) => e.url.endsWith('SubscriptionTopic.title'))?.valueString;
    return title ?? resource.id ?? '';
  }
  return r.title ?? r.name ?? resource.id ?? '';
}

function byLabel(a: Resource, b: Resource): number {
  return labelOf(a).localeCompare(labelOf(b), 'nb');
}

/** Sorts the resources SUSHI built (in `dir`, default build/profiles/…/resources) into a catalog. */
export function loadCatalog(dir?: string): Catalog {
  const resources = readProfileBuild(dir);
  if (resources.length === 0) {
    throw new Error(`No profile build found${dir ? ` in ${dir}` : ''}; run npm run build:profiles first`);
  }
  const catalog: Catalog = {
    profiles: [],
    extensions: [],
    codeSystems: [],
    valueSets: [],
    searchParameters: [],
    operations: [],
    topics: [],
    examples: [],
    byUrl: new Map(),
  };
  const instances: Resource[] = [];
  for (const resource of resources) {
    switch (resource.resourceType) {
      case 'ImplementationGuide':
        catalog.guide = resource;
        continue;
      case 'StructureDefinition':
        (resource.type === 'Extension' ? catalog.extensions : catalog.profiles).push(resource);
        break;
      case 'CodeSystem':
        catalog.codeSystems.push(resource);
        break;
      case 'ValueSet':
        catalog.valueSets.push(resource);
        break;
      case 'SearchParameter':
        catalog.searchParameters.push(resource);
        break;
      case 'OperationDefinition':
        catalog.operations.push(resource);
        break;
      default:
        if (isTopic(resource)) {
          catalog.topics.push(resource);
        } else {
          instances.push(resource);
          continue;
        }
    }
    const url = canonicalOf(resource);
    if (url) {
      catalog.byUrl.set(url, resource);
    }
  }
  // The ImplementationGuide resource names each example and the profile it illustrates.
  const described = new Map(
    (catalog.guide?.definition?.resource ?? []).map((entry) => [entry.reference?.reference, entry]),
  );
  for (const resource of instances) {
    const entry = described.get(`${resource.resourceType}/${resource.id}`);
    const profiles = new Set(resource.meta?.profile ?? []);
    if (entry?.exampleCanonical) {
      profiles.add(entry.exampleCanonical);
    }
    catalog.examples.push({
      resource,
      name: entry?.name ?? `${resource.resourceType}/${resource.id}`,
      description: entry?.description,
      profiles: [...profiles],
    });
  }
  for (const list of [catalog.profiles, catalog.extensions, catalog.codeSystems, catalog.valueSets, catalog.searchParameters, catalog.operations, catalog.topics]) {
    list.sort(byLabel);
  }
  catalog.examples.sort((a, b) => a.name.localeCompare(b.name, 'nb'));
  return catalog;
}

/** The examples that illustrate the profile with this canonical URL. */
export function examplesOf(catalog: Catalog, url: string): Example[] {
  return catalog.examples.filter((e) => e.profiles.includes(url));
}

/** The conformance resources: everything a dependent guide or a validator may build on (the package, definitions.json). */
export function definitionsOf(catalog: Catalog): Resource[] {
  return [
    ...(catalog.guide ? [catalog.guide] : []),
    ...catalog.profiles,
    ...catalog.extensions,
    ...catalog.codeSystems,
    ...catalog.valueSets,
    ...catalog.searchParameters,
    ...catalog.operations,
    ...catalog.topics,
  ];
}
