import type { TypedValue } from '@medplum/core';
import { evalFhirPathTyped, toTypedValue, UCUM } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { isChoiceKey, issue } from './element-values.ts';
import type { CompiledProfile } from './profile-compile.ts';
import { choiceTypeName } from './profile-compile.ts';
import { RuleChecker } from './profile-rules.ts';
import type { PrimitiveFormats } from './primitive-checks.ts';
import type { ChildElements, Invariant, StructureElement } from './structure-compile.ts';
import type { Terminology } from './terminology.ts';

/** What the checker needs from outside a single profile. */
export interface CheckerContext {
  terminology: Terminology;
  primitives: PrimitiveFormats;
  /** The compiled R4 definition of a datatype or resource type, for values the profile does not unroll. */
  base(type: string): CompiledProfile | undefined;
  /** The compiled definition a datatype profile or extension URL names (official VKP URLs included). */
  definition(url: string): CompiledProfile | undefined;
  /** True for a URL in our own namespace, where an extension without a definition is an error. */
  isOwnUrl(url: string): boolean;
  /** Check digits and kind of a Norwegian identifier (fødselsnummer, organisasjonsnummer …). */
  checkIdentifier(identifier: { system?: unknown; value?: unknown }, path: string, issues: OperationOutcomeIssue[]): void;
}

const UCUM_VALUE = toTypedValue(UCUM);

const RESOURCE_TYPES = new Set(['Resource', 'DomainResource']);

/**
 * Checks a value against one compiled profile: structure (known properties, JSON form, cardinality,
 * primitive formats, fixed and pattern values, invariants) and the profile's rules (bindings,
 * references, slices). One walk over the properties the value has, descending into the R4
 * definition of a datatype where the profile says nothing more about it. Resources inside the value
 * (contained, Parameters) are checked against their base definition; Bundle entries are left to the
 * caller, which applies their profiles.
 */
export class ProfileChecker {
  private readonly context: CheckerContext;
  private readonly issues: OperationOutcomeIssue[];
  private readonly rules: RuleChecker;
  private readonly resources: Resource[] = [];
  private readonly evaluated = new WeakMap<object, Set<string>>();
  private root: TypedValue | undefined;

  constructor(context: CheckerContext, issues: OperationOutcomeIssue[]) {
    this.context = context;
    this.issues = issues;
    this.rules = new RuleChecker(context.terminology, issues, (url, value, path) => this.checkTypeProfile(url, value, path));
  }

  /** Checks `value`, found at `path`, against `profile`. */
  apply(profile: CompiledProfile, value: unknown, path: string): void {
    this.root = isResource(value) ? toTypedValue(value) : undefined;
    this.checkValue(profile, profile.structure.root, profile.type, value, path);
  }

  /**
   * One value of an element, of type `type`, at `path`. `byType` is false when the same value is
   * checked again against its datatype's definition or a datatype profile: the checks that go by
   * type alone (identifier digits, extension definitions) were made the first time.
   */
  private checkValue(
    profile: CompiledProfile,
    element: StructureElement,
    type: string,
    value: unknown,
    path: string,
    byType = true,
  ): void {
    const rules = profile.elements.get(element.definition);
    if (rules) {
      this.rules.check(rules, value, path, type);
    }
    if (byType && type === 'Identifier' && value && typeof value === 'object') {
      this.context.checkIdentifier(value, path, this.issues);
    } else if (byType && type === 'Extension' && value && typeof value === 'object') {
      this.checkExtensionDefinition(profile, value as { url?: unknown }, path);
    }
    if (element.fixed !== undefined || element.pattern !== undefined) {
      this.rules.checkFixed(element, { value, path }, (kind) => `expected ${kind} ${JSON.stringify(element[kind])}`);
    }
    if (this.context.primitives.isPrimitive(type)) {
      this.context.primitives.check(type, value, path, this.issues);
      this.checkInvariants(element.invariants, type, value, path);
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.issues.push(issue('error', 'structure', `Invalid JSON type: expected an object for ${element.definition}, found ${describe(value)}`, path));
      return;
    }
    if (isResource(value) && (RESOURCE_TYPES.has(type) || value.resourceType === type) && element !== profile.structure.root) {
      this.checkNestedResource(element, value, path);
      return;
    }
    const pushed = isResource(value);
    if (pushed) {
      this.resources.push(value);
    }
    this.checkInvariants(element.invariants, element.backboneType ?? type, value, path);
    const children = this.childrenOf(profile, element);
    if (children) {
      this.checkObject(profile, element.childrenAt, children, value as Record<string, unknown>, path);
    } else {
      const base = this.context.base(type);
      if (base && base !== profile) {
        this.checkValue(base, base.structure.root, type, value, path, false);
      }
    }
    if (pushed) {
      this.resources.pop();
    }
  }

  /** A value against a datatype profile its element requires (SimpleQuantity, no-address …). */
  private checkTypeProfile(url: string, value: unknown, path: string): void {
    const profile = this.context.definition(url);
    if (profile) {
      this.checkValue(profile, profile.structure.root, profile.type, value, path, false);
    }
  }

  /**
   * An extension against the definition its URL names, wherever it sits: the profile being checked
   * may slice it or not. An official VKP URL is checked by our equivalent, which fixes its own URL.
   */
  private checkExtensionDefinition(profile: CompiledProfile, extension: { url?: unknown }, path: string): void {
    const url = extension.url;
    if (typeof url !== 'string') {
      return;
    }
    const definition = this.context.definition(url);
    if (definition && definition !== profile && definition.type === 'Extension') {
      const value = url === definition.url ? extension : { ...extension, url: definition.url };
      this.checkValue(definition, definition.structure.root, 'Extension', value, path);
    } else if (!definition && this.context.isOwnUrl(url)) {
      this.issues.push(issue('error', 'structure', `Unknown extension ${url}: this server has no such definition`, `${path}.url`));
    }
  }

  /** The children the profile itself defines for this element, if it unrolls them. */
  private childrenOf(profile: CompiledProfile, element: StructureElement): ChildElements | undefined {
    // The children of a choice unrolled for one type do not describe its other types.
    if (element.choice && element.types.length !== 1) {
      return undefined;
    }
    return profile.structure.children.get(element.childrenAt);
  }

  /** A resource inside a resource: against its own R4 definition (Bundle entries: by the caller). */
  private checkNestedResource(element: StructureElement, value: Resource, path: string): void {
    if (element.definition === 'Bundle.entry.resource') {
      return;
    }
    const base = this.context.base(value.resourceType);
    if (!base) {
      this.issues.push(issue('error', 'structure', `Unknown resource type ${String(value.resourceType)}`, `${path}.resourceType`));
      return;
    }
    this.checkValue(base, base.structure.root, value.resourceType, value, path);
  }

  private checkObject(
    profile: CompiledProfile,
    definition: string,
    children: ChildElements,
    object: Record<string, unknown>,
    path: string,
  ): void {
    for (const key in object) {
      // undefined is what JSON leaves out (server code may clear a property that way).
      if ((key === 'resourceType' && isResource(object)) || object[key] === undefined) {
        continue;
      }
      const primitiveExtension = key.charCodeAt(0) === 95; // `_birthDate` holds the id and extensions of `birthDate`
      const name = primitiveExtension ? key.slice(1) : key;
      let element = children.fields.get(name);
      let type = element ? (element.types.length === 1 ? element.types[0] : 'BackboneElement') : undefined;
      if (!element) {
        const choice = children.choices.find((c) => isChoiceKey(name, c.name));
        if (choice) {
          type = choiceTypeName(name.slice(choice.name.length));
          if (!choice.types.includes(type)) {
            this.issues.push(issue('error', 'structure', `Type ${type} is not allowed for ${choice.definition}: expected ${choice.types.join(' or ')}`, `${path}.${key}`));
            continue;
          }
          element = choice;
        }
      }
      if (!element || !type) {
        this.issues.push(issue('error', 'structure', `Invalid additional property "${key}": ${definition} has no element ${name}`, `${path}.${key}`));
        continue;
      }
      if (primitiveExtension) {
        this.checkPrimitiveExtensions(element, type, object[key], object[name], `${path}.${name}`);
      } else {
        this.checkProperty(profile, element, type, object[key], object[`_${key}`], `${path}.${key}`);
      }
    }
    for (const element of children.required) {
      if (!isPresent(object, element)) {
        const name = `${element.name}${element.choice ? '[x]' : ''}`;
        const expected = element.min === 1 ? 'a value' : `at least ${element.min} values`;
        this.issues.push(issue('error', 'required', `Missing required property: ${element.definition} expects ${expected}`, `${path}.${name}`));
      }
    }
  }

  private checkProperty(
    profile: CompiledProfile,
    element: StructureElement,
    type: string,
    value: unknown,
    extensions: unknown,
    path: string,
  ): void {
    if (value === null) {
      this.issues.push(issue('error', 'structure', `Invalid null value: leave ${element.name} out instead`, path));
      return;
    }
    if (!Array.isArray(value)) {
      if (element.array) {
        this.issues.push(issue('error', 'structure', `Expected an array for ${element.definition}, found a single value`, path));
      } else if (element.max < 1) {
        this.issues.push(issue('error', 'structure', `Invalid number of values: expected 0..0, but found 1 (${element.definition} is not allowed here)`, path));
      } else {
        this.checkValue(profile, element, type, value, path);
      }
      return;
    }
    if (!element.array) {
      this.issues.push(issue('error', 'structure', `Expected a single value for ${element.definition}, found an array`, path));
      return;
    }
    if (value.length === 0) {
      this.issues.push(issue('error', 'structure', `Invalid empty array: leave ${element.name} out instead`, path));
      return;
    }
    if (value.length < element.min || value.length > element.max) {
      const max = Number.isFinite(element.max) ? element.max : '*';
      this.issues.push(issue('error', 'structure', `Invalid number of values: expected ${element.min}..${max}, but found ${value.length}`, path));
    }
    const rules = profile.elements.get(element.definition);
    if (rules) {
      this.rules.checkAll(rules, value, path);
    }
    const partner = Array.isArray(extensions) ? extensions : [];
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === null || item === undefined) {
        // The one null FHIR JSON allows: a primitive in an array whose extensions sit at the same index.
        if (!this.context.primitives.isPrimitive(type) || !partner[i]) {
          this.issues.push(issue('error', 'structure', 'Invalid null value in an array', `${path}[${i}]`));
        }
        continue;
      }
      this.checkValue(profile, element, type, item, `${path}[${i}]`);
    }
  }

  /** `_given: [null, {extension: …}]`: the id and extensions of primitive values. */
  private checkPrimitiveExtensions(element: StructureElement, type: string, extensions: unknown, values: unknown, path: string): void {
    if (!this.context.primitives.isPrimitive(type)) {
      this.issues.push(issue('error', 'structure', `Invalid additional property "_${element.name}": ${element.definition} is not a primitive`, path));
      return;
    }
    const base = this.context.base('Element');
    if (!base) {
      return;
    }
    const items = Array.isArray(extensions) ? extensions : [extensions];
    if (Array.isArray(extensions) !== element.array) {
      this.issues.push(issue('error', 'structure', `Expected ${element.array ? 'an array' : 'a single value'} for _${element.name}`, path));
      return;
    }
    items.forEach((item, i) => {
      const at = Array.isArray(extensions) ? `${path}[${i}]` : path;
      if (item === null && Array.isArray(values) && values[i] !== null && values[i] !== undefined) {
        return;
      }
      this.checkValue(base, base.structure.root, 'Element', item, at);
    });
  }

  private checkInvariants(invariants: Invariant[], type: string, value: unknown, path: string): void {
    if (!invariants.length) {
      return;
    }
    // The same value meets the same invariant from its element, its datatype and its extension
    // definition (ext-1 three times for every extension): each is evaluated once per value.
    let done: Set<string> | undefined;
    if (value !== null && typeof value === 'object') {
      done = this.evaluated.get(value);
      if (!done) {
        done = new Set();
        this.evaluated.set(value, done);
      }
    }
    for (const invariant of invariants) {
      if (done) {
        if (done.has(invariant.key)) {
          continue;
        }
        done.add(invariant.key);
      }
      const holds = invariant.holds ? invariant.holds(value) : this.holds(invariant, type, value, path);
      if (!holds) {
        this.issues.push({
          ...issue('error', 'invariant', `Constraint ${invariant.key} not met: ${invariant.human}`, path),
          diagnostics: invariant.expression,
        });
      }
    }
  }

  private holds(invariant: Invariant, type: string, value: unknown, path: string): boolean {
    const context: TypedValue = { type, value };
    const variables: Record<string, TypedValue> = { '%context': context, '%ucum': UCUM_VALUE };
    const resource = this.resources[this.resources.length - 1];
    if (resource) {
      variables['%resource'] = toTypedValue(resource);
    }
    if (this.root) {
      variables['%rootResource'] = this.root;
    }
    try {
      // Only a false result breaks an invariant: an empty one means it does not apply (ref-1 on a
      // logical reference has no reference to test).
      const result = evalFhirPathTyped(invariant.atom, [context], variables);
      return !(result.length === 1 && result[0].value === false);
    } catch (err) {
      this.issues.push({
        ...issue('error', 'invariant', `Constraint ${invariant.key} could not be evaluated: ${(err as Error).message}`, path),
        diagnostics: invariant.expression,
      });
      return true;
    }
  }
}

function isResource(value: unknown): value is Resource {
  return value !== null && typeof value === 'object' && typeof (value as { resourceType?: unknown }).resourceType === 'string';
}

function isPresent(object: Record<string, unknown>, element: StructureElement): boolean {
  if (!element.choice) {
    return object[element.name] !== undefined || object[`_${element.name}`] !== undefined;
  }
  for (const key in object) {
    if (isChoiceKey(key.charCodeAt(0) === 95 ? key.slice(1) : key, element.name)) {
      return true;
    }
  }
  return false;
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
