import { OperationOutcomeError } from '@medplum/core';
import type { Coding, Resource } from '@medplum/fhirtypes';
import { NEED_TO_KNOW_WRITES } from '../../auth/need-to-know.ts';
import { forbidden } from '../../auth/auth-context.ts';
import type { KnutepunktRepository, RequestContext } from '../repository.ts';

/**
 * `POST [type]/[id]/$journaling-acknowledged`: the municipality's patient-record system says it
 * has journaled a journalable event. The server tags the event `journaled` (a new version, written
 * by the server: the EPJ itself may only read events), so `_tag:not=…|journaled` lists what is
 * still to be journaled. Acknowledging twice changes nothing. Vendors may not acknowledge.
 */

export const JOURNALED: Coding = { system: 'https://knutepunkt.dev/fhir/CodeSystem/journaling-status', code: 'journaled', display: 'Journaled' };

export async function journalingAcknowledged(
  context: RequestContext,
  server: (context: RequestContext) => KnutepunktRepository,
  resourceType: string,
  id: string
): Promise<Resource> {
  if (!NEED_TO_KNOW_WRITES.has(resourceType)) {
    throw new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'not-supported', details: { text: `${resourceType} is not a journalable event` } }],
    });
  }
  if (context.auth && context.auth.role === 'vendor') {
    throw forbidden('Only the patient-record system acknowledges journaling');
  }
  // Read as the caller (its tenant, its scopes); written as the server.
  const event = await server(context).readResource(resourceType, id);
  const tags = event.meta?.tag ?? [];
  if (tags.some((t) => t.system === JOURNALED.system && t.code === JOURNALED.code)) {
    return event;
  }
  const tagged = { ...event, meta: { ...event.meta, tag: [...tags, JOURNALED] } };
  return server({ tenant: context.tenant, baseUrl: context.baseUrl }).updateResource(tagged, { ifMatch: event.meta?.versionId });
}
