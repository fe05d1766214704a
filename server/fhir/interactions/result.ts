import type { Resource } from '@medplum/fhirtypes';

/** What an interaction answers: the status and the JSON text to send, with version facts for headers. */
export interface FhirResult {
  status: number;
  body: string;
  /** Version and time of the resource in the body, for ETag and Last-Modified. */
  versionId?: string;
  lastUpdated?: string;
  /** Absolute URL of a resource just written, for Location and Content-Location. */
  location?: string;
  /** The resources read when the body does not show them whole (_summary, _elements): for the audit trail. */
  subjects?: Resource[];
}
