import { badRequest, gone, notFound, OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome, Parameters, Resource } from '@medplum/fhirtypes';
import type { ResourceStore } from '../../store/resource-store.ts';
import type { ResourceValidator } from '../../validation/resource-validator.ts';
import { isKnownResourceType } from '../definitions.ts';
import type { RequestContext } from '../repository.ts';
import type { FhirResult } from '../interactions/result.ts';

/** What $validate was asked, from a Parameters body, a bare resource body and the URL query. */
export interface ValidateInput {
  resourceType: string;
  /** Set at instance level (`[type]/[id]/$validate`). */
  id?: string;
  body?: unknown;
  query: Record<string, unknown>;
}

const MODES = ['create', 'update', 'delete'];

function parameterValue(parameters: Parameters, name: string): unknown {
  const parameter = parameters.parameter?.find((p) => p.name === name);
  if (!parameter) {
    return undefined;
  }
  return parameter.resource ?? parameter.valueCode ?? parameter.valueCanonical ?? parameter.valueUri ?? parameter.valueString;
}

function text(value: unknown, name: string): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || value === '') {
    throw new OperationOutcomeError(badRequest(`The ${name} parameter must be a single non-empty value`, name));
  }
  return value;
}

/**
 * `$validate` at type and instance level: checks a resource as a write would (base rules, claimed
 * and default profiles) or against the one profile asked for, and answers 200 with every issue.
 * Modes follow the specification: `create` ignores the id, `update` must name the instance, and
 * `delete` checks that there is something to delete.
 */
export async function validateOperation(
  store: ResourceStore,
  validator: ResourceValidator,
  context: RequestContext,
  input: ValidateInput,
): Promise<FhirResult> {
  const { resourceType, id } = input;
  if (!isKnownResourceType(resourceType)) {
    throw new OperationOutcomeError(notFound);
  }
  const body = input.body as Resource | undefined;
  const isParameters = body?.resourceType === 'Parameters' && resourceType !== 'Parameters';
  // Parameters in the body win; the URL may carry the ones the body leaves out.
  const fromBody = (name: string): unknown => (isParameters ? parameterValue(body as Parameters, name) : undefined);
  const given = isParameters ? (fromBody('resource') as Resource | undefined) : body;
  const mode = text(fromBody('mode') ?? input.query.mode, 'mode');
  const profile = text(fromBody('profile') ?? input.query.profile, 'profile');
  if (mode !== undefined && !MODES.includes(mode)) {
    throw new OperationOutcomeError(badRequest(`Unknown mode "${mode}": use create, update or delete`, 'mode'));
  }
  if ((mode === 'update' || mode === 'delete') && id === undefined) {
    throw new OperationOutcomeError(badRequest(`Mode ${mode} needs the instance: POST [type]/[id]/$validate`, 'mode'));
  }
  if (profile !== undefined && !validator.knowsProfile(profile)) {
    throw new OperationOutcomeError(badRequest(`Unknown profile ${profile}: this server cannot validate against it`, 'profile'));
  }
  const current = id === undefined ? undefined : await store.readCurrent(context.tenant, resourceType, id);
  if (mode === 'delete') {
    if (!current || current.deleted) {
      throw new OperationOutcomeError(notFound);
    }
    return answer([]);
  }
  let resource = given;
  if (resource === undefined && id !== undefined) {
    if (!current) {
      throw new OperationOutcomeError(notFound);
    }
    if (current.deleted || !current.content) {
      throw new OperationOutcomeError(gone);
    }
    resource = JSON.parse(current.content) as Resource;
  }
  if (resource === undefined || resource === null || typeof resource !== 'object' || Array.isArray(resource)) {
    throw new OperationOutcomeError(badRequest('Give the resource to validate: as the body, or as the "resource" parameter'));
  }
  if (resource.resourceType !== resourceType) {
    throw new OperationOutcomeError(badRequest(`The resource is a ${String(resource.resourceType)}, not a ${resourceType}`, 'resourceType'));
  }
  if (mode === 'update' && resource.id !== id) {
    throw new OperationOutcomeError(badRequest(`For mode update the resource id must be "${id}"`, `${resourceType}.id`));
  }
  const candidate = mode === 'create' ? { ...resource, id: undefined } : resource;
  return answer(validator.check(candidate, { profile }).issues);
}

function answer(issues: OperationOutcome['issue']): FhirResult {
  const outcome: OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: issues.length ? issues : [{ severity: 'information', code: 'informational', details: { text: 'No issues found' } }],
  };
  return { status: 200, body: JSON.stringify(outcome) };
}
