import { badRequest, OperationOutcomeError } from '@medplum/core';
import { isKnownResourceType } from '../server/fhir/definitions.ts';
import { parseSearch, queryRecord } from '../server/fhir/search-request.ts';
import { Criteria } from '../server/store/search/matcher.ts';
import type { SearchParamRegistry } from '../server/store/search/registry.ts';

/**
 * A Subscription's criteria (`Type?param=value&…`) compiled by the search engine's own parser, so a
 * write notifies exactly when the same search would return it. Anything a search would refuse is
 * an OperationOutcomeError naming the problem.
 */
export function compileCriteria(criteria: string, registry: SearchParamRegistry, baseUrl?: string): Criteria {
  const question = criteria.indexOf('?');
  const type = question < 0 ? criteria : criteria.slice(0, question);
  if (!isKnownResourceType(type)) {
    throw new OperationOutcomeError(badRequest(`Criteria must start with a resource type, not "${type}"`));
  }
  const request = parseSearch(type, queryRecord(question < 0 ? '' : criteria.slice(question + 1)));
  return Criteria.compile(registry, request, baseUrl);
}
