import type { Resource } from '@medplum/fhirtypes';
import type { ResourceStore } from '../store/resource-store.ts';
import type { KnutepunktRepository } from './repository.ts';
import { sameContent } from './repository.ts';

/**
 * Stores the profile build's StructureDefinitions, ValueSets and CodeSystems as ordinary resources,
 * so clients find them with FHIR search (`StructureDefinition?url=…`). Definitions already stored
 * unchanged are skipped before validation, so a restart costs one read per definition.
 */
export async function publishConformanceResources(store: ResourceStore, repository: KnutepunktRepository, resources: Resource[]): Promise<void> {
  for (const resource of resources) {
    const current = await store.readCurrent(repository.context.tenant, resource.resourceType, resource.id as string);
    if (!current?.content || current.deleted || !sameContent(current.content, resource)) {
      await repository.updateResource(resource);
    }
  }
}
