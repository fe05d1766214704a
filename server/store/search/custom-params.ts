import { createHash } from 'node:crypto';
import { parseFhirPath } from '@medplum/core';
import type { SearchRequest } from '@medplum/core';
import type { OperationOutcomeIssue, SearchParameter } from '@medplum/fhirtypes';
import { isKnownResourceType } from '../../fhir/definitions.ts';
import type { IndexTable, SearchParamRegistry } from './registry.ts';
import { TABLE_BY_TYPE } from './registry.ts';

/**
 * Search parameters defined by SearchParameter resources: the ones the profiles author in FSH
 * (profiles/search) and the ones an administrator creates at run time. A definition takes effect
 * when it is `active`; it then applies to every municipality's data, since index rows are kept per
 * parameter for all tenants. The checks here run before such a resource is stored, so a definition
 * the store could not index is refused (422, naming the element) and never half-applied.
 */

const CODE = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;

/** The index table of a definition's values, undefined for a type not indexable here. */
export function customTable(definition: SearchParameter): IndexTable | undefined {
  // A composite names other parameters by url and pairs their values: not for run-time definitions.
  const type = definition.type ?? '';
  return type !== 'composite' && Object.hasOwn(TABLE_BY_TYPE, type) ? TABLE_BY_TYPE[type] : undefined;
}

function issue(text: string, expression: string): OperationOutcomeIssue {
  return { severity: 'error', code: 'business-rule', details: { text }, expression: [`SearchParameter.${expression}`] };
}

/**
 * Why this SearchParameter could not be indexed and searched as written; empty when it can. A
 * parameter that is not active is only stored (it is a draft, or retired) and needs less.
 */
export function customParamIssues(definition: SearchParameter, registry: SearchParamRegistry): OperationOutcomeIssue[] {
  if (definition.status !== 'active') {
    return [];
  }
  const issues: OperationOutcomeIssue[] = [];
  const code = definition.code ?? '';
  if (!CODE.test(code)) {
    issues.push(issue(`Code "${code}" cannot name a search parameter: letters, digits and hyphens, starting with a letter (codes starting with _ are FHIR's)`, 'code'));
  }
  if (!customTable(definition)) {
    issues.push(issue(`Type "${definition.type}" is not supported for a SearchParameter defined here: expected token, string, date, reference, uri, number or quantity`, 'type'));
  }
  const bases = definition.base ?? [];
  if (bases.length === 0) {
    issues.push(issue('A SearchParameter needs at least one base resource type', 'base'));
  }
  for (const base of bases) {
    if (!isKnownResourceType(base)) {
      issues.push(issue(`Base "${base}" is not an R4 resource type (name each concrete type, not Resource or DomainResource)`, 'base'));
      continue;
    }
    const existing = registry.get(base, code);
    if (existing && (!existing.custom || existing.definition.url !== definition.url)) {
      const owner = existing.custom ? `the SearchParameter ${existing.definition.url}` : 'FHIR R4';
      issues.push(issue(`${base} already has a search parameter "${code}", defined by ${owner}`, 'code'));
    }
  }
  if (!definition.url) {
    issues.push(issue('A SearchParameter needs a canonical url: the server and clients know it by that', 'url'));
  }
  if (!definition.expression?.trim()) {
    issues.push(issue('A SearchParameter defined here needs a FHIRPath expression that selects its values', 'expression'));
  } else {
    try {
      parseFhirPath(definition.expression);
    } catch (err) {
      issues.push(issue(`The expression does not parse: ${(err as Error).message}`, 'expression'));
    }
  }
  if (definition.type === 'reference' && !definition.target?.length) {
    issues.push(issue('A reference SearchParameter names the resource types it can point at (target)', 'target'));
  }
  return issues;
}

/**
 * What the index rows of one base type depend on: when it changes, that type's rows of the
 * parameter are built again. Descriptions and names do not count.
 */
export function definitionDigest(definition: SearchParameter): string {
  const meaning = { type: definition.type, expression: definition.expression, target: [...(definition.target ?? [])].sort() };
  return createHash('sha256').update(JSON.stringify(meaning)).digest('base64url').slice(0, 22);
}

/**
 * The warning a search gets while a parameter it uses is still being re-indexed: the answer may
 * miss resources written before the parameter was defined. Undefined when there is none.
 */
export function indexingWarning(registry: SearchParamRegistry, request: SearchRequest): string | undefined {
  if (registry.indexing.size === 0) {
    return undefined;
  }
  const codes = [...(request.filters ?? []).map((f) => f.code.split(/[.:]/)[0]), ...(request.sortRules ?? []).map((s) => s.code)];
  const pending = [...new Set(codes)].filter((code) => {
    const param = registry.get(request.resourceType, code);
    return param !== undefined && registry.indexing.has(param.id);
  });
  return pending.length
    ? `The index of ${pending.join(', ')} is still being built for resources stored before the parameter was defined or changed: this answer may miss some of them`
    : undefined;
}
