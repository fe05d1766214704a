import type { Resource } from '@medplum/fhirtypes';
import type { KnutepunktRepository } from './repository.ts';

/**
 * Stores the profile build's StructureDefinitions, ValueSets and CodeSystems as
 * ordinary resources, so clients find them with FHIR search (`StructureDefinition?url=…`). An
 * unchanged definition makes no new version, so restarts cost a read per resource.
 */
export async function publishConformanceResources(repository: KnutepunktRepository, resources: Resource[]): Promise<void> {
  for (const resource of resources) {
    await repository.updateResource(resource);
  }
}
