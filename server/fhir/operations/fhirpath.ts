import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import type { TypedValue } from '../../fhirpath/engine.ts';
import { compileExpression } from '../../fhirpath/engine.ts';
import type { FhirPathEvaluator } from '../../fhirpath/pool.ts';
import { authorize } from '../../auth/auth-context.ts';
import { encodeCursor } from '../../store/search/execute.ts';
import { isKnownResourceType } from '../definitions.ts';
import type { KnutepunktRepository } from '../repository.ts';
import type { QueryRecord } from '../search-request.ts';
import { parseSearch } from '../search-request.ts';

/**
 * `$fhirpath`: a FHIRPath expression evaluated over what a search finds (`[type]/$fhirpath?
 * expression=…&<search parameters>`) or over one resource (`[type]/[id]/$fhirpath?expression=…`).
 * The resources are found exactly as a search or read finds them, with the caller's scopes and
 * need-to-know, one page at a time. The answer is a Parameters resource: the expression, then one
 * `result` per resource holding its reference and each value, named by its type and carried in the
 * matching `value[x]` (a resource as `resource`, a backbone element as JSON text), then `next`
 * when the search has another page. The expression is compiled here, so one that does not parse is a
 * 400 at once; it is evaluated by `evaluator`, in a worker thread under the server's time budget
 * (fhirpath/pool.ts, FHIRPATH_TIMEOUT_MS).
 */

const DEFAULT_RESOURCES = 20;
const MAX_RESOURCES = 100;

export interface FhirPathAnswer {
  parameters: Parameters;
  /** The resources the expression ran over, for the audit trail (their patients). */
  subjects: Resource[];
}

export async function fhirpathOperation(
  repo: KnutepunktRepository,
  evaluator: Pick<FhirPathEvaluator, 'evaluate'>,
  resourceType: string,
  id: string | undefined,
  query: QueryRecord
): Promise<FhirPathAnswer> {
  if (!isKnownResourceType(resourceType)) {
    throw new OperationOutcomeError(badRequest(`Unknown resource type ${resourceType}`));
  }
  const { expression: given, ...searchQuery } = query;
  if (typeof given !== 'string') {
    throw new OperationOutcomeError(badRequest('$fhirpath needs one expression parameter', 'expression'));
  }
  compileExpression(given);
  let subjects: Resource[];
  let texts: string[];
  let next: string | undefined;
  if (id !== undefined) {
    if (Object.keys(searchQuery).length > 0) {
      throw new OperationOutcomeError(badRequest('$fhirpath on one resource takes only the expression', Object.keys(searchQuery)[0]));
    }
    subjects = [await repo.readResource(resourceType, id)];
    texts = subjects.map((resource) => JSON.stringify(resource));
  } else {
    authorize(repo.context.auth, 's', resourceType);
    const request = parseSearch(resourceType, searchQuery);
    // A page of at most MAX_RESOURCES bounds what is copied to the worker and the size of the answer.
    request.count = request.count ?? DEFAULT_RESOURCES;
    if (request.count > MAX_RESOURCES) {
      throw new OperationOutcomeError(badRequest(`$fhirpath evaluates at most ${MAX_RESOURCES} resources a page (_count)`, '_count'));
    }
    const page = await repo.visiblePage(resourceType, await repo.searchStore(request));
    texts = page.rows.map((row) => row.content);
    subjects = texts.map((text) => JSON.parse(text) as Resource);
    if (page.next) {
      const nextQuery = new URLSearchParams({ ...flatten(searchQuery), expression: given, _cursor: encodeCursor(page.next) });
      next = `${repo.context.baseUrl}/${resourceType}/$fhirpath?${nextQuery.toString()}`;
    }
  }
  const values = await evaluator.evaluate(given, texts);
  const parameter: ParametersParameter[] = [{ name: 'expression', valueString: given }];
  subjects.forEach((resource, i) => {
    parameter.push({
      name: 'result',
      part: [{ name: 'resource', valueReference: { reference: `${resource.resourceType}/${resource.id}` } }, ...values[i].map(valuePart)],
    });
  });
  if (next) {
    parameter.push({ name: 'next', valueUri: next });
  }
  return { parameters: { resourceType: 'Parameters', parameter }, subjects };
}

function flatten(query: QueryRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && key !== '_cursor') {
      out[key] = Array.isArray(value) ? value.join(',') : value;
    }
  }
  return out;
}

/** FHIRPath's own types and the FHIR primitive each is carried as. */
const SYSTEM_TYPES: Record<string, string> = {
  Boolean: 'boolean',
  Integer: 'integer',
  Decimal: 'decimal',
  String: 'string',
  Date: 'date',
  DateTime: 'dateTime',
  Time: 'time',
};

const PRIMITIVES = new Set([
  'base64Binary', 'boolean', 'canonical', 'code', 'date', 'dateTime', 'decimal', 'id', 'instant', 'integer', 'markdown',
  'oid', 'positiveInt', 'string', 'time', 'unsignedInt', 'uri', 'url', 'uuid',
]);

/** The complex types R4's Parameters.value[x] can carry. */
const COMPLEX = new Set([
  'Address', 'Age', 'Annotation', 'Attachment', 'CodeableConcept', 'Coding', 'ContactPoint', 'Count', 'Distance', 'Duration',
  'HumanName', 'Identifier', 'Money', 'Period', 'Quantity', 'Range', 'Ratio', 'Reference', 'SampledData', 'Signature', 'Timing',
  'ContactDetail', 'Contributor', 'DataRequirement', 'Expression', 'ParameterDefinition', 'RelatedArtifact', 'TriggerDefinition',
  'UsageContext', 'Dosage', 'Meta',
]);

const valueKey = (type: string) => `value${type[0].toUpperCase()}${type.slice(1)}`;

function valuePart({ type, value }: TypedValue): ParametersParameter {
  const [namespace, name] = type.includes('.') ? [type.slice(0, type.indexOf('.')), type.slice(type.indexOf('.') + 1)] : ['FHIR', type];
  if (namespace === 'System') {
    if (name === 'Quantity') {
      return { name: type, valueQuantity: value as { value: number; unit?: string } };
    }
    const primitive = SYSTEM_TYPES[name];
    if (primitive) {
      return { name: type, [valueKey(primitive)]: value } as ParametersParameter;
    }
  } else if (PRIMITIVES.has(name) || COMPLEX.has(name)) {
    return { name: type, [valueKey(name)]: value } as ParametersParameter;
  } else if (isKnownResourceType(name)) {
    return { name: type, resource: value as Resource };
  }
  // Backbone elements, extensions, narrative: no value[x] carries them, so their JSON does.
  return { name: type, valueString: JSON.stringify(value) };
}
