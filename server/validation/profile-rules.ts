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
  /**
   * Cardinality and fixed/pattern values of child elements, for elements below the first level:
   * Medplum checks those only for the resource's direct children and validates deeper values
   * against their base datatype, so a profile's `detail.kind = #Appointment` would pass unchecked.
   */
  children?: ChildConstraint[];
}

interface ChildConstraint {
  /** Property name; for a choice, its base (`value` for `value[x]`). */
  name: string;
  choice: boolean;
  min: number;
  fixed?: unknown;
  pattern?: unknown;
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
    // Discriminating values may sit in slices of the slice (core bp: `code.coding:SBPCode.code`).
    const inner = all.filter((e) => e.id?.startsWith(prefix) && (e.path as string).length > (sliced.path as string).length);
    const resolved = discriminators.map((d) => {
      const path = d.path as string;
      if (path === '$this') {
        return { path, expected: fixedOrPattern(slice, 'fixed') ?? fixedOrPattern(slice, 'pattern') };
      }
      const child = children.find((c) => c.path === path);
      const innerChild = inner.find((e) => (e.path as string).slice((sliced.path as string).length + 1) === path && (fixedOrPattern(e, 'fixed') ?? fixedOrPattern(e, 'pattern')) !== undefined);
      const fromChild = child?.fixed ?? child?.pattern ?? (innerChild ? (fixedOrPattern(innerChild, 'fixed') ?? fixedOrPattern(innerChild, 'pattern')) : undefined);
      const fromSlice = valuesAt(fixedOrPattern(slice, 'fixed') ?? fixedOrPattern(slice, 'pattern'), path)[0];
      return { path, expected: fromChild ?? fromSlice };
    });
    if (resolved.every((d) => d.expected !== undefined)) {
      const max = slice.max === '*' || slice.max === undefined ? Infinity : Number(slice.max);
      rules.push({ name: slice.sliceName as string, min: slice.min ?? 0, max, discriminators: resolved, children });
    }
  }
  return rules;
}

/** The first slice whose discriminating values the item carries. */
function sliceOf(slices: SliceRule[], item: unknown): SliceRule | undefined {
  return slices.find((r) => r.discriminators.every((d) => valuesAt(item, d.path).some((v) => matchesPattern(v, d.expected))));
}

interface Located {
  value: unknown;
  path: string;
}

/** The values at a dotted path below `value`, arrays flattened at every step, with their locations. */
function locate(value: unknown, path: string, at: string): Located[] {
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

function valuesAt(value: unknown, path: string): unknown[] {
  return locate(value, path, '').map((l) => l.value);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
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
      const slices = profile.elements.get(definition)?.slices;
      if (slices) {
        this.countSlices(slices, value, path);
      }
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
    if (rules.children && value && typeof value === 'object' && !Array.isArray(value)) {
      this.checkChildren(rules.children, value as Record<string, unknown>, path);
    }
    if (rules.slices) {
      const slice = sliceOf(rules.slices, value);
      if (slice) {
        this.checkSlice(slice, value, path);
      }
    }
  }

  private countSlices(slices: SliceRule[], items: unknown[], path: string): void {
    for (const slice of slices) {
      const count = items.filter((item) => sliceOf(slices, item) === slice).length;
      if (count < slice.min || count > slice.max) {
        const max = Number.isFinite(slice.max) ? slice.max : '*';
        this.issues.push(issue('error', 'structure', `Incorrect number of values provided for slice '${slice.name}': expected ${slice.min}..${max}, but found ${count}`, path));
      }
    }
  }

  private checkChildren(children: ChildConstraint[], object: Record<string, unknown>, path: string): void {
    for (const child of children) {
      const keys = child.choice
        ? Object.keys(object).filter((k) => k.startsWith(child.name) && /[A-Z]/.test(k.charAt(child.name.length)))
        : [child.name];
      const found = keys.flatMap((k) => locate(object, k, path));
      if (found.length < child.min) {
        this.issues.push(issue('error', 'structure', 'Missing required property', `${path}.${child.name}${child.choice ? '[x]' : ''}`));
      }
      for (const item of found) {
        if (child.fixed !== undefined && !sameJson(item.value, child.fixed)) {
          this.issues.push(issue('error', 'value', `Value did not match expected fixed value ${JSON.stringify(child.fixed)}`, item.path));
        } else if (child.pattern !== undefined && !matchesPattern(item.value, child.pattern)) {
          this.issues.push(issue('error', 'value', `Value did not match expected pattern ${JSON.stringify(child.pattern)}`, item.path));
        }
      }
    }
  }

  private checkSlice(slice: SliceRule, value: unknown, path: string): void {
    for (const child of slice.children) {
      const found = locate(value, child.path, path);
      const lastDot = child.path.lastIndexOf('.');
      const parents = lastDot < 0 ? [{ value, path }] : locate(value, child.path.slice(0, lastDot), path);
      const name = child.path.slice(lastDot + 1);
      for (const parent of parents) {
        const count = locate(parent.value, name, parent.path).length;
        if (count < child.min) {
          this.issues.push(issue('error', 'structure', `Missing required property (required by slice '${slice.name}')`, `${parent.path}.${name}`));
        } else if (child.max === '0' && count > 0) {
          this.issues.push(issue('error', 'structure', `Element not allowed in slice '${slice.name}'`, `${parent.path}.${name}`));
        }
      }
      for (const item of found) {
        if (child.fixed !== undefined && !sameJson(item.value, child.fixed)) {
          this.issues.push(issue('error', 'value', `Value did not match the fixed value of slice '${slice.name}'`, item.path));
        } else if (child.pattern !== undefined && !matchesPattern(item.value, child.pattern)) {
          this.issues.push(issue('error', 'value', `Value did not match the pattern of slice '${slice.name}'`, item.path));
        }
        if (child.binding) {
          this.checkBinding(child.binding, item.value, item.path);
        }
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
