import type { ElementDefinition, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { SliceRule } from './profile-compile.ts';

/** Navigating and comparing element values, shared by the profile rules and their checker. */

/** The first slice whose discriminating values the item carries. */
export function sliceOf(slices: SliceRule[], item: unknown): SliceRule | undefined {
  return slices.find((r) =>
    r.discriminators.every((d) =>
      valuesAt(item, d.path).some((v) =>
        d.kind === 'type' ? (v as { resourceType?: unknown } | null)?.resourceType === d.expected : matchesPattern(v, d.expected),
      ),
    ),
  );
}

interface Located {
  value: unknown;
  path: string;
}

/** The values at a dotted path below `value`, arrays flattened at every step, with their locations. */
export function locate(value: unknown, path: string, at: string): Located[] {
  let current: Located[] = value === undefined || value === null ? [] : [{ value, path: at }];
  if (path === '$this') {
    return current;
  }
  for (const segment of path.split('.')) {
    const next: Located[] = [];
    for (const item of current) {
      const child = item.value && typeof item.value === 'object' ? (item.value as Record<string, unknown>)[segment] : undefined;
      if (Array.isArray(child)) {
        child.forEach((v, i) => v !== undefined && v !== null && next.push({ value: v, path: `${item.path}.${segment}[${i}]` }));
      } else if (child !== undefined && child !== null) {
        next.push({ value: child, path: `${item.path}.${segment}` });
      }
    }
    current = next;
  }
  return current;
}

export function valuesAt(value: unknown, path: string): unknown[] {
  return locate(value, path, '').map((l) => l.value);
}

/** The fixed[x] or pattern[x] value an element definition sets, if any. */
export function fixedOrPattern(element: ElementDefinition, prefix: 'fixed' | 'pattern'): unknown {
  for (const [key, value] of Object.entries(element)) {
    if (isChoiceKey(key, prefix)) {
      return value;
    }
  }
  return undefined;
}

/**
 * The element's id with type slices taken out (`value[x]:valueQuantity.code` → `value[x].code`):
 * a type slice only names the type of its choice, so what is inside it belongs to the choice.
 * Anything still holding a `:` lies inside a real slice.
 */
export function withoutTypeSlices(element: ElementDefinition): string {
  return (element.id ?? (element.path as string)).replace(/\[x\]:[A-Za-z]+/g, '[x]');
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** True when `key` is a typed form of the choice element `base` (`valueQuantity` of `value[x]`; also `fixedUri` of `fixed`). */
export function isChoiceKey(key: string, base: string): boolean {
  return key.length > base.length && key.startsWith(base) && /[A-Z]/.test(key.charAt(base.length));
}

/** True when `value` holds everything `pattern` holds (FHIR pattern matching). */
export function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (pattern === null || typeof pattern !== 'object') {
    return value === pattern;
  }
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && pattern.every((p) => value.some((v) => matchesPattern(v, p)));
  }
  if (!value || typeof value !== 'object') {
    return false;
  }
  return Object.entries(pattern).every(([k, p]) => matchesPattern((value as Record<string, unknown>)[k], p));
}


export interface CodedValue {
  system?: string;
  code: string;
  path: string;
}

/** The codes carried by a code, Coding, CodeableConcept or Quantity value. */
export function codingsOf(value: unknown, path: string): CodedValue[] {
  if (typeof value === 'string') {
    return [{ code: value, path }];
  }
  if (!value || typeof value !== 'object') {
    return [];
  }
  const v = value as { coding?: { system?: string; code?: string }[]; system?: string; code?: string; value?: unknown };
  if (Array.isArray(v.coding)) {
    return v.coding
      .map((c, i) => ({ system: c.system, code: c.code as string, path: `${path}.coding[${i}]` }))
      .filter((c) => typeof c.code === 'string');
  }
  if (typeof v.code === 'string') {
    return [{ system: v.system, code: v.code, path }];
  }
  return [];
}

const TYPE_IN_URL = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** The resource type a Reference points at, when it can be told from the reference itself. */
export function referencedType(reference: { reference?: string; type?: string }): string | undefined {
  const ref = reference.reference;
  if (typeof ref === 'string' && !ref.startsWith('#') && !ref.startsWith('urn:')) {
    const conditional = /^([A-Z][A-Za-z]+)\?/.exec(ref);
    if (conditional) {
      return conditional[1];
    }
    const match = TYPE_IN_URL.exec(ref);
    if (match) {
      return match[1];
    }
  }
  return typeof reference.type === 'string' ? reference.type : undefined;
}

export function issue(
  severity: 'error' | 'warning' | 'information',
  code: OperationOutcomeIssue['code'],
  text: string,
  expression: string,
): OperationOutcomeIssue {
  return { severity, code, details: { text }, expression: [expression] };
}
