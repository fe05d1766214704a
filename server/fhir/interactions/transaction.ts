import { getStatus, OperationOutcomeError } from '@medplum/core';
import type { FhirRequest, FhirResponse, FhirRouter } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, OperationOutcome } from '@medplum/fhirtypes';
import { resolveConditionalReferences } from '../conditional-references.ts';
import { completeEntryResponses } from '../entry-responses.ts';
import type { KnutepunktRepository } from '../repository.ts';

/**
 * A transaction bundle: all entries in one database transaction, all or nothing.
 *
 * Medplum's BatchProcessor does the entry work (ordering, `urn:uuid:` identities, conditional
 * entries), but in its own transaction mode it refuses bundles with more than 50 updates, or more
 * than 8 entries when one is conditional. So it runs here in batch mode inside our transaction, and
 * any failed entry rolls everything back and becomes the answer.
 */
export async function transactionInteraction(
  router: FhirRouter,
  repo: KnutepunktRepository,
  request: FhirRequest,
  bundle: Bundle
): Promise<FhirResponse> {
  const serializable = (bundle.entry ?? []).some(
    (e) => e.request?.ifNoneExist || (e.request?.method !== 'POST' && e.request?.url?.includes('?'))
  );
  return repo.withTransaction(
    async (tx) => {
      // A fresh copy per attempt: a retried transaction resolves its conditional references again.
      const working = structuredClone(bundle);
      await resolveConditionalReferences(working, tx);
      const [outcome, response] = await router.handleRequest({ ...request, body: working, config: { transactions: false } }, tx);
      if (getStatus(outcome) >= 400) {
        throw new OperationOutcomeError(outcome);
      }
      const result = response as Bundle;
      const failure = firstFailure(result.entry ?? []);
      if (failure) {
        throw new OperationOutcomeError(failure); // roll the whole transaction back
      }
      return [outcome, completeEntryResponses({ ...result, type: 'transaction-response' })];
    },
    { resourceTypes: [], serializable }
  );
}

/** The outcome of the first failed entry, preferring a client error over the faults it may have caused. */
function firstFailure(entries: BundleEntry[]): OperationOutcome | undefined {
  const failed = entries.filter((e) => Number(e.response?.status?.slice(0, 3)) >= 400);
  const chosen = failed.find((e) => Number(e.response?.status?.slice(0, 3)) < 500) ?? failed[0];
  if (!chosen) {
    return undefined;
  }
  const outcome = chosen.response?.outcome as OperationOutcome | undefined;
  return outcome ?? { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', details: { text: `Entry failed with ${chosen.response?.status}` } }] };
}
