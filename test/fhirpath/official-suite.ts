import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { XMLParser } from 'fast-xml-parser';
import { compileExpression } from '../../server/fhirpath/engine.ts';
import type { TypedValue } from '../../server/fhirpath/engine.ts';

/**
 * HL7's official FHIRPath R4 test suite (shared/data/fhir-test-cases/r4/fhirpath/tests-fhir-r4.xml)
 * run through the engine the server uses for `$fhirpath` (server/fhirpath/engine.ts). The inputs are
 * the R4 examples in JSON from the npm package `hl7.fhir.r4.examples` (installed as
 * `hl7.fhir.r4.core`); a test whose input is not among them is counted as not run.
 */

const SUITE = join(import.meta.dirname, '../../../shared/data/fhir-test-cases/r4/fhirpath/tests-fhir-r4.xml');
const EXAMPLES = join(import.meta.dirname, '../../node_modules/hl7.fhir.r4.core');

/** The suite's input files and the example each one is in the R4 examples package. */
const INPUTS: Record<string, string> = {
  'patient-example.xml': 'Patient-example.json',
  'observation-example.xml': 'Observation-example.json',
  'questionnaire-example.xml': 'Questionnaire-3141.json',
  'valueset-example-expansion.xml': 'ValueSet-example-expansion.json',
  'codesystem-example.xml': 'CodeSystem-example.json',
  'explanationofbenefit-example.json': 'ExplanationOfBenefit-EB3500.json',
  'appointment-examplereq.json': 'Appointment-examplereq.json',
};

export interface SuiteCase {
  group: string;
  name: string;
  input?: string;
  expression: string;
  /** Set when the expression must fail (syntax, semantic or execution). */
  invalid?: string;
  predicate: boolean;
  /** Expected values in order; `type` is absent where the suite gives only the text. */
  outputs: { type?: string; text: string }[];
}

export type Outcome = 'passed' | 'failed' | 'not run';

export interface SuiteReport {
  cases: number;
  passed: number;
  failed: { name: string; why: string }[];
  notRun: { name: string; why: string }[];
}

const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

export function readSuite(): SuiteCase[] {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', textNodeName: 'text', parseTagValue: false, trimValues: false });
  const doc = parser.parse(readFileSync(SUITE, 'utf8')) as { tests: { group: unknown } };
  const cases: SuiteCase[] = [];
  for (const group of asArray(doc.tests.group as Record<string, unknown>[])) {
    for (const test of asArray(group.test as Record<string, unknown>[])) {
      const expression = test.expression as string | { text?: string; invalid?: string };
      cases.push({
        group: group.name as string,
        name: test.name as string,
        input: test.inputfile as string | undefined,
        expression: (typeof expression === 'string' ? expression : (expression.text ?? '')).trim(),
        invalid: typeof expression === 'object' ? expression.invalid : undefined,
        predicate: test.predicate === 'true',
        outputs: asArray(test.output as ({ type?: string; text?: string } | string)[]).map((o) =>
          typeof o === 'string' ? { text: o } : { type: o.type, text: o.text ?? '' }
        ),
      });
    }
  }
  return cases;
}

const inputs = new Map<string, Resource>();

function inputOf(file: string | undefined): Resource | undefined | 'missing' {
  if (!file) {
    return undefined;
  }
  const example = INPUTS[file];
  if (!example) {
    return 'missing';
  }
  let resource = inputs.get(example);
  if (!resource) {
    resource = JSON.parse(readFileSync(join(EXAMPLES, example), 'utf8')) as Resource;
    inputs.set(example, resource);
  }
  return resource;
}

/** A value as the suite writes it: `@` before dates and times, a quantity as `value 'unit'`. */
function suiteText({ type, value }: TypedValue): string {
  const name = type.slice(type.indexOf('.') + 1);
  if (name === 'Quantity' && value && typeof value === 'object') {
    const q = value as { value: number; unit?: string; code?: string };
    return `${q.value} '${q.unit ?? q.code ?? '1'}'`;
  }
  if (type.startsWith('System.') && (name === 'Date' || name === 'DateTime')) {
    return `@${String(value)}`;
  }
  if (type.startsWith('System.') && name === 'Time') {
    return `@T${String(value).replace(/^T/, '')}`;
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * The suite's comparison: the type (where given) and the text. Numbers compare by value, and
 * dateTimes with a time zone as instants (the engine writes them in UTC, the suite in the zone of
 * the input); a decimal's trailing zeros are not compared, since JSON numbers do not keep them.
 */
function sameValue(expected: { type?: string; text: string }, actual: TypedValue): boolean {
  const actualType = actual.type.slice(actual.type.indexOf('.') + 1).toLowerCase();
  if (expected.type !== undefined && expected.type.toLowerCase() !== actualType) {
    return false;
  }
  const text = suiteText(actual);
  const numeric = actualType === 'decimal' || actualType === 'integer';
  if (numeric && expected.text.trim() !== '' && !Number.isNaN(Number(expected.text))) {
    return Number(text) === Number(expected.text);
  }
  const bare = (t: string) => t.replace(/^@/, '');
  if (bare(text) === bare(expected.text)) {
    return true;
  }
  const zoned = /T.*(Z|[+-]\d\d:\d\d)$/;
  if (expected.type === 'dateTime' && zoned.test(expected.text) && zoned.test(text)) {
    return Date.parse(bare(text)) === Date.parse(bare(expected.text));
  }
  return false;
}

export function runCase(c: SuiteCase): { outcome: Outcome; why?: string } {
  const input = inputOf(c.input);
  if (input === 'missing') {
    return { outcome: 'not run', why: `input ${c.input} is not among the R4 examples` };
  }
  let result: TypedValue[];
  try {
    result = compileExpression(c.expression)(input ?? ({} as Resource));
  } catch (err) {
    return c.invalid ? { outcome: 'passed' } : { outcome: 'failed', why: `error: ${(err as Error).message.slice(0, 160)}` };
  }
  if (c.invalid) {
    return { outcome: 'failed', why: `should fail (${c.invalid}) but gave ${JSON.stringify(result.map((r) => r.value)).slice(0, 100)}` };
  }
  if (c.predicate) {
    result = [{ type: 'System.Boolean', value: result.length > 0 && !(result.length === 1 && result[0].value === false) }];
  }
  const ok = result.length === c.outputs.length && c.outputs.every((o, i) => sameValue(o, result[i]));
  return ok
    ? { outcome: 'passed' }
    : {
        outcome: 'failed',
        why: `expected ${JSON.stringify(c.outputs.map((o) => `${o.type}:${o.text}`))}, got ${JSON.stringify(result.map((r) => `${r.type}:${suiteText(r)}`)).slice(0, 200)}`,
      };
}

export function runSuite(): SuiteReport {
  const report: SuiteReport = { cases: 0, passed: 0, failed: [], notRun: [] };
  for (const c of readSuite()) {
    report.cases++;
    const { outcome, why } = runCase(c);
    if (outcome === 'passed') {
      report.passed++;
    } else if (outcome === 'failed') {
      report.failed.push({ name: `${c.group}/${c.name}`, why: why ?? '' });
    } else {
      report.notRun.push({ name: `${c.group}/${c.name}`, why: why ?? '' });
    }
  }
  return report;
}
