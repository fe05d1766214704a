import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { SearchRequest } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { MatchSubject } from './condition-match.ts';
import { conditionHolds } from './condition-match.ts';
import type { Condition } from './conditions.ts';
import { extractIndexRows } from './extract.ts';
import { parseConditions } from './plan.ts';
import type { SearchParamRegistry } from './registry.ts';

/**
 * Search criteria applied to one resource version instead of the database: a version matches
 * exactly when the same search, run when that version was current, would have returned it.
 * Subscriptions use this to decide who is told about a write.
 */
export class Criteria {
  readonly resourceType: string;
  private readonly conditions: readonly Condition[];

  private constructor(resourceType: string, conditions: readonly Condition[]) {
    this.resourceType = resourceType;
    this.conditions = conditions;
  }

  /** Parses criteria as search parses them; what a search would refuse is refused here (400). */
  static compile(registry: SearchParamRegistry, request: SearchRequest, baseUrl?: string): Criteria {
    if (request.sortRules?.length || request.count !== undefined || request.include?.length || request.revInclude?.length) {
      throw new OperationOutcomeError(badRequest('Criteria select resources: _sort, _count, _include and _revinclude have no meaning here'));
    }
    const { conditions } = parseConditions(registry, request, { baseUrl });
    if (conditions.some((c) => c.kind === 'chain' || c.kind === 'has')) {
      // A version's match would depend on other resources, which change without telling it.
      throw new OperationOutcomeError(badRequest('Criteria cannot chain or use _has: a notification is decided by the written resource alone'));
    }
    return new Criteria(request.resourceType, conditions);
  }

  /** True when the version (not deleted, of this type) satisfies every condition. */
  matches(subject: MatchSubject & { resourceType: string }, now = Date.now()): boolean {
    return subject.resourceType === this.resourceType && this.conditions.every((c) => conditionHolds(c, subject, now));
  }
}

/** A version as criteria see it: its id, last update and index rows, extracted once for every criteria. */
export function matchSubject(
  registry: SearchParamRegistry,
  resource: Resource & { id: string },
  baseUrl?: string
): MatchSubject & { resourceType: string } {
  return {
    resourceType: resource.resourceType,
    id: resource.id,
    lastUpdated: resource.meta?.lastUpdated ?? new Date(0).toISOString(),
    rows: extractIndexRows(registry, resource, { baseUrl }),
  };
}
