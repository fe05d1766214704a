import { badRequest, notFound, OperationOutcomeError } from '@medplum/core';
import { getExtraEntries } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, Parameters, Resource } from '@medplum/fhirtypes';
import { searchBundle } from '../bundles.ts';
import { isKnownResourceType } from '../definitions.ts';
import type { KnutepunktRepository } from '../repository.ts';
import type { QueryRecord } from '../search-request.ts';
import { parseSearch } from '../search-request.ts';
import { subsetContent, subsettingOf } from '../subsetting.ts';
import type { FhirResult } from './result.ts';
import { authorize } from '../../auth/auth-context.ts';
import { indexingWarning } from '../../store/search/custom-params.ts';

/** search-type (GET or POST _search): one page as a searchset Bundle, plus _include/_revinclude. */
export async function searchInteraction(repo: KnutepunktRepository, resourceType: string, query: QueryRecord): Promise<FhirResult> {
  if (!isKnownResourceType(resourceType)) {
    throw new OperationOutcomeError(notFound);
  }
  authorize(repo.context.auth, 's', resourceType);
  const { _explain: explain, ...rest } = query;
  if (explain !== undefined) {
    return explainInteraction(repo, resourceType, rest, explain);
  }
  const request = parseSearch(resourceType, query);
  const subsetting = subsettingOf(query);
  // Included resources come through the repository, so their types' scopes are checked too.
  const page = await repo.visiblePage(resourceType, await repo.searchStore(request));
  const full = subsetting ? page.rows.map((row) => JSON.parse(row.content) as Resource) : undefined;
  // Includes follow the references of the whole matches; _summary and _elements cut only what is sent.
  const shown = subsetting ? { ...page, rows: page.rows.map((row) => ({ ...row, content: subsetContent(row.content, subsetting) })) } : page;
  // The warning of a parameter still being re-indexed is for the client of this search only: the
  // repository's own searches (conditional writes, need-to-know) read matches, not outcomes.
  let body = searchBundle(request, shown, repo.context.baseUrl, indexingWarning(repo.store.registry, request));
  if ((request.include?.length || request.revInclude?.length) && page.rows.length > 0) {
    const bundle = JSON.parse(body) as Bundle;
    const entries = bundle.entry as BundleEntry[];
    await getExtraEntries(
      repo,
      request,
      full ?? entries.filter((e) => e.search?.mode === 'match').map((e) => e.resource as Resource),
      entries,
      { fullUrl: (type, id) => `${repo.context.baseUrl}/${type}/${id}` }
    );
    body = JSON.stringify(bundle);
  }
  // The audit trail names the patients of the whole matches, whatever was cut from the answer.
  return { status: 200, body, ...(full ? { subjects: full } : {}) };
}

/** `_explain=plan|analyze`: the search's SQL and PostgreSQL's plan for it, as a Parameters resource. */
async function explainInteraction(repo: KnutepunktRepository, resourceType: string, query: QueryRecord, mode: string | string[] | undefined): Promise<FhirResult> {
  if (mode !== 'plan' && mode !== 'analyze') {
    throw new OperationOutcomeError(badRequest('_explain must be plan or analyze', '_explain'));
  }
  const { sql, plan } = await repo.explainSearch(parseSearch(resourceType, query), mode === 'analyze');
  const parameters: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'sql', valueString: sql },
      { name: 'plan', valueString: plan },
    ],
  };
  return { status: 200, body: JSON.stringify(parameters) };
}
