import { gone, notFound, OperationOutcomeError } from '@medplum/core';
import type { ResourceStore } from '../../store/resource-store.ts';
import { isKnownResourceType } from '../definitions.ts';
import type { RequestContext } from '../repository.ts';
import type { FhirResult } from './result.ts';
import { authorize } from '../../auth/auth-context.ts';
import type { NeedToKnow } from '../../auth/need-to-know.ts';
import type { Resource } from '@medplum/fhirtypes';
import type { Subsetting } from '../subsetting.ts';
import { subsetContent } from '../subsetting.ts';

/** read and vread: the stored text goes out as it is, with no parse and no re-serialisation (unless _summary or _elements ask for part of it). */
export async function readInteraction(
  store: ResourceStore,
  context: RequestContext,
  resourceType: string,
  id: string,
  vid?: string,
  needToKnow?: NeedToKnow,
  subsetting?: Subsetting
): Promise<FhirResult> {
  if (!isKnownResourceType(resourceType)) {
    throw new OperationOutcomeError(notFound);
  }
  authorize(context.auth, 'r', resourceType);
  let stored;
  if (vid === undefined) {
    stored = await store.readCurrent(context.tenant, resourceType, id);
  } else if (/^\d{1,9}$/.test(vid)) {
    stored = await store.readVersion(context.tenant, resourceType, id, Number(vid));
  }
  if (!stored) {
    throw new OperationOutcomeError(notFound);
  }
  if (stored.deleted || !stored.content) {
    throw new OperationOutcomeError(gone);
  }
  if (needToKnow?.limitsRead(context.auth, resourceType)) {
    await needToKnow.require(context.auth, JSON.parse(stored.content) as Resource, 'reading');
  }
  return {
    status: 200,
    body: subsetting ? subsetContent(stored.content, subsetting) : stored.content,
    ...(subsetting ? { subjects: [JSON.parse(stored.content) as Resource] } : {}),
    versionId: String(stored.version),
    lastUpdated: stored.lastUpdated,
  };
}
