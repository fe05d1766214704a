import type { ElementDefinition, OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import type { ProfileRegistry } from './profile-registry.ts';
import type { Terminology } from './terminology.ts';

/**
 * The checks of a profile that Medplum's validator leaves out (docs/toolchain.md): value set
 * bindings, narrowed choice types, reference target types and datatype profiles. A profile's
 * snapshot is compiled once into rules keyed by element path; applying them is one walk over the
 * resource.
 */

interface Binding {
  valueSet: string;
  strength: 'required' | 'extensible';
  /** Set for a binding inside a slice: only values from the value set's own systems belong to it. */
  sliceOnly: boolean;
}

interface ElementRules {
  /** For a choice element: the type names it admits. */
  choiceTypes?: string[];
  bindings: Binding[];
  /** For a Reference element: the resource types it may point at; absent means any. */
  referenceTypes?: string[];
  /** Datatype profiles a value must conform to (not extensions: those are checked by URL). */
  typeProfiles: string[];
  /** The slices of a sliced element, with the constraints on their own children. */
  slices?: SliceRule[];
}

/** A constraint on an element inside a slice, at a path relative to the sliced item. */
interface SliceChild {
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
interface SliceRule {
  name: string;
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
    const inSlice = (element.id ?? path).includes(':');
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
    if (key.startsWith(prefix) && /[A-Z]/.test(key.charAt(prefix.length))) {
      return value;
    }
  }
  return undefined;
}

function compileSlices(sd: StructureDefinition, sliced: ElementDefinition): SliceRule[] {
  const all = sd.snapshot?.element ?? [];
  const discriminators = sliced.slicing?.discriminator ?? [];
  if (!discriminators.length || discriminators.some((d) => d.type !== 'value' && d.type !== 'pattern')) {
    return [];
  }
  const rules: SliceRule[] = [];
  for (const slice of all.filter((e) => e.id === `${sliced.id}:${e.sliceName}` && e.sliceName)) {
    const prefix = `${slice.id}.`;
    const children: SliceChild[] = all
      .filter((e) => e.id?.startsWith(prefix) && !e.id.slice(prefix.length).includes(':') && !e.path?.includes('[x]'))
      .map((e) => {
        const binding = e.binding?.valueSet && (e.binding.strength === 'required' || e.binding.strength === 'extensible')
          ? { valueSet: e.binding.valueSet, strength: e.binding.strength, sliceOnly: false }
          : undefined;
        return {
          path: (e.path as string).slice((sliced.path as string).length + 1),
          min: e.min ?? 0,
          max: e.max ?? '*',
          fixed: fixedOrPattern(e, 'fixed'),
          pattern: fixedOrPattern(e, 'pattern'),
          binding,
        };
      });
    const resolved = discriminators.map((d) => {
      const path = d.path as string;
      if (path === '$this') {
        return { path, expected: fixedOrPattern(slice, 'fixed') ?? fixedOrPattern(slice, 'pattern') };
      }
      const child = children.find((c) => c.path === path);
      const fromChild = child?.fixed ?? child?.pattern;
      const fromSlice = valuesAt(fixedOrPattern(slice, 'fixed') ?? fixedOrPattern(slice, 'pattern'), path)[0];
      return { path, expected: fromChild ?? fromSlice };
    });
    if (resolved.every((d) => d.expected !== undefined)) {
      rules.push({ name: slice.sliceName as string, discriminators: resolved, children });
    }
  }
  return rules;
}

/** The values at a dotted path below `value`, arrays flattened at every step. */
function valuesAt(value: unknown, path: string): unknown[] {
  let current: unknown[] = value === undefined ? [] : [value];
  if (path === '$this') {
    return current;
  }
  for (const segment of path.split('.')) {
    current = current
      .flatMap((v) => (v && typeof v === 'object' ? [(v as Record<string, unknown>)[segment]] : []))
      .flatMap((v) => (Array.isArray(v) ? v : [v]))
      .filter((v) => v !== undefined && v !== null);
  }
  return current;
}

/** True when `value` holds everything `pattern` holds (FHIR pattern matching). */
function matchesPattern(value: unknown, pattern: unknown): boolean {
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

function addBinding(elements: Map<string, ElementRules>, path: string, element: ElementDefinition, inSlice: boolean): void {
  const binding = element.binding;
  if (!binding?.valueSet || (binding.strength !== 'required' && binding.strength !== 'extensible')) {
    return;
  }
  const rules = rulesFor(elements, path);
  if (!rules.bindings.some((b) => b.valueSet === binding.valueSet && b.sliceOnly === inSlice)) {
    rules.bindings.push({ valueSet: binding.valueSet, strength: binding.strength, sliceOnly: inSlice });
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

/** Collects issues found by a profile's compiled rules; `root` is the concrete path of `value`. */
export class RuleChecker {
  private readonly terminology: Terminology;
  private readonly issues: OperationOutcomeIssue[];
  private readonly onTypeProfile: (profileUrl: string, value: unknown, type: string, path: string) => void;

  constructor(
    terminology: Terminology,
    issues: OperationOutcomeIssue[],
    onTypeProfile: (profileUrl: string, value: unknown, type: string, path: string) => void,
  ) {
    this.terminology = terminology;
    this.issues = issues;
    this.onTypeProfile = onTypeProfile;
  }

  apply(profile: CompiledProfile, value: unknown, rootDefinition: string, root: string): void {
    this.visit(profile, value, rootDefinition, root, undefined);
  }

  private visit(profile: CompiledProfile, value: unknown, definition: string, path: string, type: string | undefined): void {
    if (Array.isArray(value)) {
      value.forEach((item, i) => this.visit(profile, item, definition, `${path}[${i}]`, type));
      return;
    }
    const rules = profile.elements.get(definition);
    if (rules) {
      this.check(rules, value, definition, path, type);
    }
    if (value === null || typeof value !== 'object') {
      return;
    }
    const choices = profile.choiceBases.get(definition);
    for (const [key, child] of Object.entries(value)) {
      if (key === 'resourceType' || key.startsWith('_') || (key === 'resource' && definition.endsWith('.entry'))) {
        continue;
      }
      if (key === 'contained') {
        continue;
      }
      const base = choices?.find((b) => key.length > b.length && key.startsWith(b) && /[A-Z]/.test(key.charAt(b.length)));
      if (base) {
        this.visit(profile, child, `${definition}.${base}[x]`, `${path}.${key}`, choiceTypeName(key.slice(base.length)));
      } else {
        this.visit(profile, child, `${definition}.${key}`, `${path}.${key}`, undefined);
      }
    }
  }

  private check(rules: ElementRules, value: unknown, definition: string, path: string, type: string | undefined): void {
    if (rules.choiceTypes && type && !rules.choiceTypes.includes(type)) {
      this.issues.push(issue('error', 'structure', `Type ${type} is not allowed for ${definition}: expected ${rules.choiceTypes.join(' or ')}`, path));
      return;
    }
    for (const binding of rules.bindings) {
      this.checkBinding(binding, value, path);
    }
    if (rules.referenceTypes && value && typeof value === 'object') {
      const target = referencedType(value as { reference?: string; type?: string });
      if (target && !rules.referenceTypes.includes(target)) {
        this.issues.push(issue('error', 'structure', `Reference to ${target} is not allowed here: expected ${rules.referenceTypes.join(' or ')}`, path));
      }
    }
    for (const profileUrl of rules.typeProfiles) {
      this.onTypeProfile(profileUrl, value, type ?? '', path);
    }
    if (rules.slices) {
      const slice = rules.slices.find((r) => r.discriminators.every((d) => valuesAt(value, d.path).some((v) => matchesPattern(v, d.expected))));
      if (slice) {
        this.checkSlice(slice, value, path);
      }
    }
  }

  private checkSlice(slice: SliceRule, value: unknown, path: string): void {
    for (const child of slice.children) {
      const found = valuesAt(value, child.path);
      const at = `${path}.${child.path}`;
      const parent = child.path.includes('.') ? child.path.slice(0, child.path.lastIndexOf('.')) : '$this';
      if (found.length < child.min && valuesAt(value, parent).length > 0) {
        this.issues.push(issue('error', 'structure', `Missing required property (required by slice '${slice.name}')`, at));
      } else if (child.max === '0' && found.length > 0) {
        this.issues.push(issue('error', 'structure', `Element not allowed in slice '${slice.name}'`, at));
      }
      for (const v of found) {
        if (child.fixed !== undefined && JSON.stringify(v) !== JSON.stringify(child.fixed)) {
          this.issues.push(issue('error', 'value', `Value did not match the fixed value of slice '${slice.name}'`, at));
        } else if (child.pattern !== undefined && !matchesPattern(v, child.pattern)) {
          this.issues.push(issue('error', 'value', `Value did not match the pattern of slice '${slice.name}'`, at));
        }
      }
      if (child.binding && found.length) {
        found.forEach((v) => this.checkBinding(child.binding as Binding, v, at));
      }
    }
  }

  /** A value Medplum's validator collected for a required binding (inside datatypes too). */
  checkRequired(valueSet: string, value: unknown, path: string): void {
    this.checkBinding({ valueSet, strength: 'required', sliceOnly: false }, value, path);
  }

  private checkBinding(binding: Binding, value: unknown, path: string): void {
    const codings = codingsOf(value, path);
    if (!codings.length) {
      return;
    }
    const systems = binding.sliceOnly ? this.terminology.systemsOf(binding.valueSet) : undefined;
    const relevant = systems ? codings.filter((c) => c.system !== undefined && systems.includes(c.system)) : codings;
    if (!relevant.length) {
      return;
    }
    const results = relevant.map((c) => this.terminology.check(binding.valueSet, c.system, c.code));
    if (results.includes('unknown') || results.includes('member')) {
      return;
    }
    const strength = binding.strength;
    for (const coding of relevant) {
      const shown = coding.system ? `${coding.system}#${coding.code}` : coding.code;
      this.issues.push(
        issue(
          strength === 'required' ? 'error' : 'warning',
          'code-invalid',
          `Code "${shown}" is not in the ${strength} value set ${binding.valueSet}`,
          coding.path,
        ),
      );
    }
  }
}

interface CodedValue {
  system?: string;
  code: string;
  path: string;
}

/** The codes carried by a code, Coding, CodeableConcept or Quantity value. */
function codingsOf(value: unknown, path: string): CodedValue[] {
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
