import type { Resource } from '@medplum/fhirtypes';
import type { KnutepunktRepository } from './repository.ts';

/**
 * Stores the profile build's StructureDefinitions, ValueSets and CodeSystems as ordinary resources,
 * so clients find them with FHIR search (`StructureDefinition?url=…`). A definition stored
 * unchanged is left as it is (an update that changes nothing is not validated or written again).
 */
export async function publishConformanceResources(repository: KnutepunktRepository, resources: Resource[]): Promise<void> {
  for (const resource of resources) {
    await repository.updateResource(resource);
  }
}
