import { isChoiceKey } from './element-values.ts';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';

/** Checks a resource before it is stored; throws an OperationOutcomeError listing every problem. */
export type Validator = (resource: Resource) => void;

/**
 * Medplum names choice elements by their definition (`Observation.value[x].value`); a client
 * fixes its payload faster with the element it sent (`Observation.valueQuantity.value`).
 */
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
      name = (Object.keys(node).find((k) => isChoiceKey(k, prefix)) ?? `${prefix}[x]`) + (m[3] ?? '');
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
