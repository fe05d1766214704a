import { badRequest, OperationOutcomeError } from '@medplum/core';
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4/index.js';
import type { Resource } from '@medplum/fhirtypes';

/**
 * FHIRPath for developers, with HL7's engine (fhirpath.js) and the R4 model: it knows FHIR's types
 * (choice types, `is`/`as`/`ofType`), UCUM quantities and date arithmetic. Expressions are compiled
 * once and kept; each value comes back with its type, FHIR's (`FHIR.HumanName`) or FHIRPath's own
 * (`System.Integer`), so a client can tell `1` from `'1'` and a date from a string.
 */

export interface TypedValue {
  /** `FHIR.<type>` for values of the resource (`FHIR.string`, `FHIR.Patient`), `System.<type>` for computed ones. */
  type: string;
  /** The value as JSON: a primitive, an object for complex types and resources, `{value, unit}` for a System.Quantity. */
  value: unknown;
}

export type CompiledExpression = (resource: Resource, variables?: Record<string, unknown>) => TypedValue[];

/** Longest expression accepted: an expression is a query, not a program. */
export const MAX_EXPRESSION_LENGTH = 2000;
const CACHE_SIZE = 500;
const cache = new Map<string, ReturnType<typeof fhirpath.compile>>();

/** Compiles an expression, or answers 400 naming `parameter` with the parser's own message. */
export function compileExpression(expression: string, parameter = 'expression'): CompiledExpression {
  if (expression.trim() === '') {
    throw new OperationOutcomeError(badRequest(`The ${parameter} parameter is empty`, parameter));
  }
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw new OperationOutcomeError(badRequest(`The ${parameter} is longer than ${MAX_EXPRESSION_LENGTH} characters`, parameter));
  }
  let compiled = cache.get(expression);
  if (!compiled) {
    try {
      // trace() would otherwise write the values it is given, health data, to the server's output.
      compiled = fhirpath.compile(expression, r4, { resolveInternalTypes: false, traceFn: () => undefined });
    } catch (err) {
      throw new OperationOutcomeError(badRequest(`The ${parameter} is not valid FHIRPath: ${messageOf(err)}`, parameter));
    }
    if (cache.size >= CACHE_SIZE) {
      cache.delete(cache.keys().next().value as string);
    }
    cache.set(expression, compiled);
  }
  const run = compiled;
  const environment = environmentOf(expression);
  return (resource, variables) => {
    let nodes: unknown[];
    try {
      nodes = run(resource, { ...environment, ...variables } as Record<string, never>) as unknown[];
    } catch (err) {
      // Errors at evaluation (a function on a collection of two, a wrong type) are the expression's.
      throw new OperationOutcomeError(badRequest(`The ${parameter} could not be evaluated: ${messageOf(err)}`, parameter));
    }
    return typedValues(nodes);
  };
}

/**
 * Evaluates one expression over resources given as JSON text: the typed values of each, in order.
 * What the `$fhirpath` worker (worker.ts) runs, and the operation itself when it has no time budget.
 */
export function evaluateEach(expression: string, resources: readonly string[]): TypedValue[][] {
  const evaluate = compileExpression(expression);
  return resources.map((text) => evaluate(JSON.parse(text) as Resource));
}

/**
 * FHIR's environment variables (FHIR R4 §2.1.9.1.6): %sct, %loinc, %ucum, and %vs-[name] and
 * %ext-[name] for HL7's value sets and extensions, as many as the expression names.
 */
function environmentOf(expression: string): Record<string, string> {
  const environment: Record<string, string> = {
    sct: 'http://snomed.info/sct',
    loinc: 'http://loinc.org',
    ucum: 'http://unitsofmeasure.org',
  };
  for (const [, kind, name] of expression.matchAll(/%`?(vs|ext)-([A-Za-z0-9\-.]+)`?/g)) {
    environment[`${kind}-${name}`] = `http://hl7.org/fhir/${kind === 'vs' ? 'ValueSet' : 'StructureDefinition'}/${name}`;
  }
  return environment;
}

function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 300);
}

/** Values of an evaluation with their types, as JSON. */
function typedValues(nodes: unknown[]): TypedValue[] {
  const types = fhirpath.types(nodes);
  const values = fhirpath.resolveInternalTypes(nodes) as unknown[];
  return nodes.map((node, i) => ({ type: types[i] ?? 'System.Any', value: jsonValue(types[i], node, values[i]) }));
}

function jsonValue(type: string | undefined, node: unknown, resolved: unknown): unknown {
  if (type === 'System.Quantity') {
    // fhirpath.js renders a quantity as text (`12 'mm'`); clients get its parts.
    const quantity = node as { value?: { toString(): string } | number; unit?: string };
    const unit = quantity.unit?.replace(/^'|'$/g, '');
    return { value: Number(quantity.value?.toString()), ...(unit ? { unit } : {}) };
  }
  return resolved;
}
