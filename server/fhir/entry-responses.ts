import type { Bundle } from '@medplum/fhirtypes';
import { createdByWrite } from './repository.ts';

/**
 * Completes the entry responses of a batch or transaction response as R4 describes them: 201 for
 * entries that created a resource (update-as-create included), and the version's location, ETag
 * and Last-Modified, which Medplum's processor leaves out.
 */
export function completeEntryResponses(bundle: Bundle): Bundle {
  for (const entry of bundle.entry ?? []) {
    const resource = entry.resource;
    const response = entry.response;
    const versionId = resource?.meta?.versionId;
    if (!resource || !response || !versionId || !response.status?.startsWith('2')) {
      continue;
    }
    if (createdByWrite.has(resource)) {
      response.status = '201';
    }
    response.location = `${resource.resourceType}/${resource.id}/_history/${versionId}`;
    response.etag = `W/"${versionId}"`;
    response.lastModified = resource.meta?.lastUpdated;
  }
  return bundle;
}
