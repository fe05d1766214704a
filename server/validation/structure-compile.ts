import type { FhirPathAtom } from '@medplum/core';
import { buildTypeName, isDataTypeLoaded, parseFhirPath } from '@medplum/core';
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { fixedOrPattern, isChoiceKey, withoutTypeSlices } from './element-values.ts';

/**
 * The shape of a StructureDefinition as the validator walks it: for every element of the snapshot
 * that holds values (slices aside), its property name, types, cardinality, JSON form, fixed or
 * pattern value and invariants, indexed by the path of its parent. Compiled once per definition;
 * checking a resource is then one walk over the resource's own properties plus a look at the
 * required ones it lacks, never a walk over every element the definition could hold.
 */

export interface Invariant {
  key: string;
  human: string;
  expression: string;
  atom: FhirPathAtom;
  /** A direct implementation, for core invariants met on nearly every value (see NATIVE_INVARIANTS). */
  holds?: (value: unknown) => boolean;
}

export interface StructureElement {
  /** The JSON property name; for a choice element, its base (`value` for `value[x]`). */
  name: string;
  /** The element's path in the definition: the key of its rules in the compiled profile. */
  definition: string;
  choice: boolean;
  /** FHIR type names (`Quantity`, `string` …); empty for an element defined by contentReference. */
  types: string[];
  min: number;
  max: number;
  /** True when the JSON form is an array: the base element admits more than one value. */
  array: boolean;
  invariants: Invariant[];
  fixed?: unknown;
  pattern?: unknown;
  /** The definition path whose child elements describe this element's children. */
  childrenAt: string;
  /**
   * For a backbone element, the type name FHIRPath knows it by (`TestScriptSetupActionAssert`): with
   * the plain `BackboneElement`, FHIRPath would guess property types from names and read
   * `responseCode` as a `response` of type code.
   */
  backboneType?: string;
}

export interface ChildElements {
  /** Non-choice children by property name. */
  fields: Map<string, StructureElement>;
  choices: StructureElement[];
  /** Children that must be present (min > 0), checked on every object. */
  required: StructureElement[];
}

export interface StructureIndex {
  root: StructureElement;
  children: Map<string, ChildElements>;
}

/**
 * Invariants not evaluated. ele-1 (every element has a value or children) holds for any JSON the
 * walk accepts, since empty objects, arrays and nulls are refused structurally; dom-3 needs
 * descendants() over the whole resource for every contained resource; sdf-19 concerns the FHIR
 * specification's own definitions.
 */
const SKIPPED_INVARIANTS = new Set(['ele-1', 'dom-3', 'sdf-19']);

/**
 * R4's vital-signs invariant vs-1 reads `($this as dateTime).toString().length() >= 8`, which is empty,
 * hence false, for an effectivePeriod the profile allows.
 */
const PATCHED_INVARIANTS: Record<string, string> = {
  'vs-1': '($this is dateTime) implies ($this as dateTime).toString().length() >= 8',
};

/**
 * Core invariants met on nearly every value, evaluated without FHIRPath. Each is used only where a
 * definition carries exactly the R4 expression it implements.
 */
const NATIVE_INVARIANTS: Record<string, { expression: string; holds: (value: unknown) => boolean }> = {
  'ext-1': {
    expression: 'extension.exists() != value.exists()',
    holds: (value) => {
      const extension = value as Record<string, unknown>;
      const nested = Array.isArray(extension.extension) && extension.extension.length > 0;
      // A primitive value may be present only through its extensions (`_valueString`).
      return nested !== Object.keys(extension).some((k) => isChoiceKey(k.charCodeAt(0) === 95 ? k.slice(1) : k, 'value'));
    },
  },
};

const FHIR_TYPE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const parsed = new Map<string, FhirPathAtom>();

function compileInvariants(element: ElementDefinition): Invariant[] {
  const invariants: Invariant[] = [];
  for (const constraint of element.constraint ?? []) {
    if (constraint.severity !== 'error' || !constraint.key || SKIPPED_INVARIANTS.has(constraint.key)) {
      continue;
    }
    const expression = PATCHED_INVARIANTS[constraint.key] ?? constraint.expression;
    if (!expression) {
      continue;
    }
    let atom = parsed.get(expression);
    if (!atom) {
      atom = parseFhirPath(expression);
      parsed.set(expression, atom);
    }
    const native = NATIVE_INVARIANTS[constraint.key];
    const holds = native?.expression === expression ? native.holds : undefined;
    invariants.push({ key: constraint.key, human: constraint.human ?? '', expression, atom, holds });
  }
  return invariants;
}

/** The FHIR type name of a type code; FHIRPath system types name theirs in an extension. */
function typeName(type: NonNullable<ElementDefinition['type']>[number]): string {
  const code = type.code as string;
  if (!code.startsWith('http://hl7.org/fhirpath/System.')) {
    return code;
  }
  return type.extension?.find((e) => e.url === FHIR_TYPE_EXTENSION)?.valueUrl ?? 'string';
}

function cardinality(max: string | undefined): number {
  return max === undefined || max === '*' ? Infinity : Number(max);
}

function toElement(element: ElementDefinition, path: string): StructureElement {
  const last = path.slice(path.lastIndexOf('.') + 1);
  const choice = last.endsWith('[x]');
  const reference = element.contentReference ? element.contentReference.slice(element.contentReference.indexOf('#') + 1) : undefined;
  const types = (element.type ?? []).map(typeName);
  const childrenAt = reference ?? path;
  const backbone = types.length === 0 || types[0] === 'BackboneElement' || (types[0] === 'Element' && path.includes('.'));
  const backboneName = backbone ? buildTypeName(childrenAt.split('.')) : undefined;
  return {
    name: choice ? last.slice(0, -3) : last,
    definition: path,
    choice,
    types,
    min: element.min ?? 0,
    max: cardinality(element.max),
    array: cardinality(element.base?.max ?? element.max) > 1,
    invariants: compileInvariants(element),
    fixed: fixedOrPattern(element, 'fixed'),
    pattern: fixedOrPattern(element, 'pattern'),
    childrenAt,
    backboneType: backboneName && isDataTypeLoaded(backboneName) ? backboneName : undefined,
  };
}

export function compileStructure(sd: StructureDefinition): StructureIndex {
  const elements = sd.snapshot?.element ?? [];
  const rootDefinition = elements[0];
  const root = toElement(rootDefinition ?? { path: sd.type }, rootDefinition?.path ?? sd.type);
  const children = new Map<string, ChildElements>();
  for (const element of elements.slice(1)) {
    const path = element.path as string;
    // Slices are checked by the slice rules. A type slice (`value[x]:valueQuantity`) repeats its
    // choice element, which is kept; the children inside it are the choice's.
    const unsliced = withoutTypeSlices(element);
    if (unsliced.includes(':') || (element.id !== undefined && unsliced !== element.id && unsliced.endsWith('[x]'))) {
      continue;
    }
    const parent = path.slice(0, path.lastIndexOf('.'));
    let set = children.get(parent);
    if (!set) {
      set = { fields: new Map(), choices: [], required: [] };
      children.set(parent, set);
    }
    const compiled = toElement(element, path);
    if (compiled.choice) {
      set.choices.push(compiled);
    } else {
      set.fields.set(compiled.name, compiled);
    }
    if (compiled.min > 0) {
      set.required.push(compiled);
    }
  }
  return { root, children };
}
