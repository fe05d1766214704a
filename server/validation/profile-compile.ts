import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import type { ProfileRegistry } from './profile-registry.ts';
import { isChoiceKey, valuesAt } from './element-values.ts';

/**
 * The checks of a profile that Medplum's validator leaves out (docs/toolchain.md): value set
 * bindings, narrowed choice types, reference target types and datatype profiles. A profile's
 * snapshot is compiled once into rules keyed by element path; applying them is one walk over the
 * resource.
 */

export interface Binding {
  valueSet: string;
  strength: 'required' | 'extensible';
  /** Set for a binding inside a slice: only values from the value set's own systems belong to it. */
  sliceOnly: boolean;
}

export interface ElementRules {
  /** For a choice element: the type names it admits. */
  choiceTypes?: string[];
  bindings: Binding[];
  /** For a Reference element: the resource types it may point at; absent means any. */
  referenceTypes?: string[];
  /** Datatype profiles a value must conform to (not extensions: those are checked by URL). */
  typeProfiles: string[];
  /** The slices of a sliced element, with the constraints on their own children. */
  slices?: SliceRule[];
  /**
   * Cardinality and fixed/pattern values of child elements, for elements below the first level:
   * Medplum checks those only for the resource's direct children and validates deeper values
   * against their base datatype, so a profile's `detail.kind = #Appointment` would pass unchecked.
   */
  children?: ChildConstraint[];
}

export interface ChildConstraint {
  /** Property name; for a choice, its base (`value` for `value[x]`). */
  name: string;
  choice: boolean;
  min: number;
  fixed?: unknown;
  pattern?: unknown;
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
 * A slice as far as membership can be told from values: each discriminator (value or pattern) names
 * a path and the value the slice fixes there. Medplum counts slice members but does not check the
 * constraints inside a slice; these rules do.
 */
export interface SliceRule {
  name: string;
  min: number;
  max: number;
  discriminators: { path: string; expected: unknown }[];
  children: SliceChild[];
}

export interface CompiledProfile {
  url: string;
  elements: Map<string, ElementRules>;
  /** Per element path: the names of its choice children (`value` for `value[x]`). */
  choiceBases: Map<string, string[]>;
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
  const choiceBases = new Map<string, string[]>();
  for (const element of sd.snapshot?.element ?? []) {
    const path = element.path as string;
    // A type slice (`value[x]:valueQuantity`) only names the type: its rules are the element's own.
    const inSlice = (element.id ?? path).replace(/\[x\]:[A-Za-z]+/g, '[x]').includes(':');
    const depth = path.split('.').length;
    const fixed = fixedOrPattern(element, 'fixed');
    const pattern = fixedOrPattern(element, 'pattern');
    if (!inSlice && depth >= 3 && ((element.min ?? 0) > 0 || fixed !== undefined || pattern !== undefined)) {
      const parent = path.slice(0, path.lastIndexOf('.'));
      const last = path.slice(parent.length + 1);
      const choice = last.endsWith('[x]');
      const rules = rulesFor(elements, parent);
      rules.children = [...(rules.children ?? []), { name: choice ? last.slice(0, -3) : last, choice, min: element.min ?? 0, fixed, pattern }];
    }
    if (path.endsWith('[x]') && !inSlice) {
      const parent = path.slice(0, path.lastIndexOf('.'));
      const base = path.slice(parent.length + 1, -3);
      choiceBases.set(parent, [...(choiceBases.get(parent) ?? []), base]);
      rulesFor(elements, path).choiceTypes = (element.type ?? []).map((t) => t.code as string);
    }
    addBinding(elements, path, element, inSlice);
    if (element.slicing && !inSlice && !path.endsWith('.extension') && !path.endsWith('.modifierExtension')) {
      const slices = compileSlices(sd, element);
      if (slices.length) {
        rulesFor(elements, path).slices = slices;
      }
    }
    if (!inSlice) {
      addReferenceTypes(elements, path, element, registry);
      const profiles = (element.type ?? [])
        .filter((t) => t.code !== 'Extension' && t.profile?.length)
        .flatMap((t) => t.profile as string[])
        .filter((url) => registry.resolve(url) && url !== sd.url);
      if (profiles.length) {
        rulesFor(elements, path).typeProfiles.push(...profiles);
      }
    }
  }
  return { url: sd.url, elements, choiceBases };
}

function fixedOrPattern(element: ElementDefinition, prefix: 'fixed' | 'pattern'): unknown {
  for (const [key, value] of Object.entries(element)) {
    if (isChoiceKey(key, prefix)) {
      return value;
    }
  }
  return undefined;
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
  if (!discriminators.length || discriminators.some((d) => d.type !== 'value' && d.type !== 'pattern')) {
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
    const resolved = discriminators.map((d) => {
      const path = d.path as string;
      const fromInside = path === '$this' ? undefined : inner.find((e) => relative(e) === path && fixedValue(e) !== undefined);
      const fromSlice = valuesAt(fixedValue(slice), path)[0];
      return { path, expected: fromInside ? fixedValue(fromInside) : fromSlice };
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
