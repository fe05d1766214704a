import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { OperationOutcome, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';

/** Checks a resource before it is stored; throws an OperationOutcomeError listing every problem. */
export type Validator = (resource: Resource) => void;

/**
 * Base R4 validation with Medplum's validator: structure, cardinality, types, fixed values and
 * FHIRPath invariants of the resource's base StructureDefinition. Each issue carries the FHIRPath
 * location of the element at fault. A failure is a 400: the resource breaks FHIR's own rules.
 */
export const validateBase: Validator = (resource) => {
  try {
    validateResource(resource);
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      const outcome: OperationOutcome = {
        resourceType: 'OperationOutcome',
        issue: err.outcome.issue.map((issue) => withConcreteLocation(resource, issue)),
      };
      throw new OperationOutcomeError(outcome);
    }
    throw err;
  }
};

/**
 * Medplum names choice elements by their definition (`Observation.value[x].value`); a client
 * fixes its payload faster with the element it sent (`Observation.valueQuantity.value`).
 */
function withConcreteLocation(resource: Resource, issue: OperationOutcomeIssue): OperationOutcomeIssue {
  return concreteLocation(resource, resource.resourceType, issue);
}

/** The issue with each `[x]` in its expressions replaced by the element name found in `value`. */
export function concreteLocation(value: unknown, typeName: string, issue: OperationOutcomeIssue): OperationOutcomeIssue {
  const expression = issue.expression?.map((e) => (e.startsWith(typeName) ? concretePath(value, e) : e));
  return expression ? { ...issue, expression } : issue;
}

function concretePath(resource: unknown, path: string): string {
  if (!path.includes('[x]')) {
    return path;
  }
  const segments = path.split('.');
  let node: unknown = resource;
  const out = [segments[0]];
  for (const segment of segments.slice(1)) {
    const m = /^([^[]+)(\[x\])?(\[\d+\])?$/.exec(segment);
    let name = segment;
    if (m?.[2] && node && typeof node === 'object') {
      const prefix = m[1];
      name = (Object.keys(node).find((k) => k.startsWith(prefix) && /^[A-Z]/.test(k.slice(prefix.length))) ?? `${prefix}[x]`) + (m[3] ?? '');
    }
    out.push(name);
    const key = name.replace(/\[\d+\]$/, '');
    const index = /\[(\d+)\]$/.exec(name)?.[1];
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    if (index !== undefined && Array.isArray(node)) {
      node = node[Number(index)];
    }
  }
  return out.join('.');
}
