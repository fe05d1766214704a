import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import type { ProfileRegistry } from './profile-registry.ts';
import { fixedOrPattern, valuesAt, withoutTypeSlices } from './element-values.ts';
import type { StructureIndex } from './structure-compile.ts';
import { compileStructure } from './structure-compile.ts';

/**
 * A StructureDefinition compiled for validation, once per definition: its structure
 * (structure-compile.ts) and the rules beyond structure, keyed by element path: value set bindings,
 * reference target types, datatype profiles and slices. Applying it is one walk over the value
 * (profile-checker.ts).
 */

export interface Binding {
  valueSet: string;
  strength: 'required' | 'extensible';
  /** Set for a binding inside a slice: only values from the value set's own systems belong to it. */
  sliceOnly: boolean;
}

export interface ElementRules {
  bindings: Binding[];
  /** For a Reference element: the resource types it may point at; absent means any. */
  referenceTypes?: string[];
  /** Datatype profiles a value of a type must conform to (not extensions: those are checked by URL). */
  typeProfiles: { type: string; url: string }[];
  /** The slices of a sliced element, with the constraints on their own children. */
  slices?: SliceRule[];
}

/** A constraint on an element inside a slice, at a path relative to the sliced item. */
export interface SliceChild {
  path: string;
  min: number;
  max: string;
  fixed?: unknown;
  pattern?: unknown;
  binding?: Binding;
}

/**
 * A slice as far as membership can be told from values: each discriminator names a path and the
 * value (or resource type) the slice fixes there. The rules count a slice's members and check the
 * constraints inside it.
 */
export interface SliceRule {
  name: string;
  min: number;
  max: number;
  discriminators: Discriminator[];
  children: SliceChild[];
}

/**
 * What tells a slice's members apart: the value at `path` (value and pattern discriminators), or
 * for a type discriminator the resource type there (`Bundle.entry` sliced by `resource`).
 */
export interface Discriminator {
  kind: 'value' | 'type';
  path: string;
  expected: unknown;
}

export interface CompiledProfile {
  url: string;
  /** The type the profile constrains: a resource, datatype or `Extension`. */
  type: string;
  structure: StructureIndex;
  /** Terminology, reference, datatype-profile and slice rules by element path. */
  elements: Map<string, ElementRules>;
}

const PRIMITIVES = new Set([
  'base64Binary', 'boolean', 'canonical', 'code', 'date', 'dateTime', 'decimal', 'id', 'instant', 'integer',
  'markdown', 'oid', 'positiveInt', 'string', 'time', 'unsignedInt', 'uri', 'url', 'uuid',
]);

/** `valueQuantity` under `value[x]` is a Quantity; `valueString` a string. */
export function choiceTypeName(suffix: string): string {
  const lower = suffix.charAt(0).toLowerCase() + suffix.slice(1);
  return PRIMITIVES.has(lower) ? lower : suffix;
}

function rulesFor(map: Map<string, ElementRules>, path: string): ElementRules {
  let rules = map.get(path);
  if (!rules) {
    rules = { bindings: [], typeProfiles: [] };
    map.set(path, rules);
  }
  return rules;
}

/** Compiles a profile's snapshot into rules (done once per profile, then cached by the caller). */
export function compileProfile(sd: StructureDefinition, registry: ProfileRegistry): CompiledProfile {
  const elements = new Map<string, ElementRules>();
  for (const element of sd.snapshot?.element ?? []) {
    const path = element.path as string;
    // A type slice (`value[x]:valueQuantity`) only names the type: its rules are the element's own.
    const inSlice = withoutTypeSlices(element).includes(':');
    addBinding(elements, path, element, inSlice);
    if (element.slicing && !inSlice) {
      const slices = compileSlices(sd, element);
      if (slices.length) {
        rulesFor(elements, path).slices = slices;
      }
    }
    if (!inSlice) {
      addReferenceTypes(elements, path, element, registry);
      const profiles = (element.type ?? [])
        .filter((t) => t.code !== 'Extension' && t.profile?.length)
        .flatMap((t) => (t.profile as string[]).map((url) => ({ type: t.code as string, url })))
        .filter((p) => registry.resolve(p.url) && p.url !== sd.url);
      if (profiles.length) {
        rulesFor(elements, path).typeProfiles.push(...profiles);
      }
    }
  }
  return { url: sd.url, type: sd.type, structure: compileStructure(sd), elements };
}

/** The value an element fixes, by fixed[x] or pattern[x], for telling slices apart. */
function fixedValue(element: ElementDefinition): unknown {
  return fixedOrPattern(element, 'fixed') ?? fixedOrPattern(element, 'pattern');
}

/** The element's binding when it is one we check (required or extensible). */
function bindingOf(element: ElementDefinition, sliceOnly: boolean): Binding | undefined {
  const binding = element.binding;
  if (!binding?.valueSet || (binding.strength !== 'required' && binding.strength !== 'extensible')) {
    return undefined;
  }
  return { valueSet: binding.valueSet, strength: binding.strength, sliceOnly };
}

function compileSlices(sd: StructureDefinition, sliced: ElementDefinition): SliceRule[] {
  const all = sd.snapshot?.element ?? [];
  const discriminators = sliced.slicing?.discriminator ?? [];
  // Type slicing of a choice (`value[x]` by `$this`) only narrows the choice, which the structure checks.
  const understood = (d: (typeof discriminators)[number]): boolean =>
    d.type === 'value' || d.type === 'pattern' || (d.type === 'type' && d.path !== '$this');
  if (!discriminators.length || !discriminators.every(understood)) {
    return [];
  }
  const relative = (e: ElementDefinition): string => (e.path as string).slice((sliced.path as string).length + 1);
  const rules: SliceRule[] = [];
  for (const slice of all.filter((e) => e.sliceName && e.id === `${sliced.id}:${e.sliceName}`)) {
    const prefix = `${slice.id}.`;
    // Everything inside the slice, slices of the slice included: discriminating values may sit
    // there (core bp: `component:SystolicBP.code.coding:SBPCode.code`).
    const inner = all.filter((e) => e.id?.startsWith(prefix));
    const children: SliceChild[] = inner
      .filter((e) => !(e.id as string).slice(prefix.length).includes(':') && !e.path?.includes('[x]'))
      .map((e) => ({
        path: relative(e),
        min: e.min ?? 0,
        max: e.max ?? '*',
        fixed: fixedOrPattern(e, 'fixed'),
        pattern: fixedOrPattern(e, 'pattern'),
        binding: bindingOf(e, false),
      }));
    const resolved = discriminators.map((d): Discriminator => {
      const path = d.path as string;
      if (d.type === 'type') {
        return { kind: 'type', path, expected: inner.find((e) => relative(e) === path)?.type?.[0]?.code };
      }
      const fromInside = path === '$this' ? undefined : inner.find((e) => relative(e) === path && fixedValue(e) !== undefined);
      // An extension slice names its extension by profile; the definition fixes the URL.
      const fromProfile = path === 'url' && slice.type?.[0]?.code === 'Extension' ? slice.type[0].profile?.[0] : undefined;
      const expected = fromInside ? fixedValue(fromInside) : (valuesAt(fixedValue(slice), path)[0] ?? fromProfile);
      return { kind: 'value', path, expected };
    });
    if (resolved.every((d) => d.expected !== undefined)) {
      const max = slice.max === '*' || slice.max === undefined ? Infinity : Number(slice.max);
      rules.push({ name: slice.sliceName as string, min: slice.min ?? 0, max, discriminators: resolved, children });
    }
  }
  return rules;
}

function addBinding(elements: Map<string, ElementRules>, path: string, element: ElementDefinition, inSlice: boolean): void {
  const binding = bindingOf(element, inSlice);
  if (!binding) {
    return;
  }
  const rules = rulesFor(elements, path);
  if (!rules.bindings.some((b) => b.valueSet === binding.valueSet && b.sliceOnly === inSlice)) {
    rules.bindings.push(binding);
  }
}

function addReferenceTypes(
  elements: Map<string, ElementRules>,
  path: string,
  element: ElementDefinition,
  registry: ProfileRegistry,
): void {
  const reference = element.type?.find((t) => t.code === 'Reference');
  if (!reference?.targetProfile?.length) {
    return;
  }
  const types = reference.targetProfile.map((url) => registry.targetType(url));
  if (!types.includes(undefined)) {
    rulesFor(elements, path).referenceTypes = [...new Set(types as string[])];
  }
}
