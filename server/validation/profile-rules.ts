import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { Binding, ChildConstraint, CompiledProfile, ElementRules, SliceRule } from './profile-compile.ts';
import { choiceTypeName } from './profile-compile.ts';
import { codingsOf, isChoiceKey, issue, locate, matchesPattern, referencedType, sameJson, sliceOf } from './element-values.ts';
import type { Terminology } from './terminology.ts';

/** Collects issues found by a profile's compiled rules; `root` is the concrete path of `value`. */
export class RuleChecker {
  private readonly terminology: Terminology;
  private readonly issues: OperationOutcomeIssue[];
  private readonly onTypeProfile: (profileUrl: string, value: unknown, path: string) => void;

  constructor(
    terminology: Terminology,
    issues: OperationOutcomeIssue[],
    onTypeProfile: (profileUrl: string, value: unknown, path: string) => void,
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
      // Nested resources (contained, Bundle entries) are validated as resources of their own.
      if (key === 'resourceType' || key === 'contained' || key.startsWith('_') || (key === 'resource' && definition.endsWith('.entry'))) {
        continue;
      }
      const base = choices?.find((b) => isChoiceKey(key, b));
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
      this.onTypeProfile(profileUrl, value, path);
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
      const keys = child.choice ? Object.keys(object).filter((k) => isChoiceKey(k, child.name)) : [child.name];
      const found = keys.flatMap((k) => locate(object, k, path));
      if (found.length < child.min) {
        this.issues.push(issue('error', 'structure', 'Missing required property', `${path}.${child.name}${child.choice ? '[x]' : ''}`));
      }
      for (const item of found) {
        this.checkFixed(child, item, (kind) => `expected ${kind} ${JSON.stringify(child[kind])}`);
      }
    }
  }

  /** A value against the fixed[x] or pattern[x] of its element; `what` says which was expected. */
  private checkFixed(
    constraint: { fixed?: unknown; pattern?: unknown },
    item: { value: unknown; path: string },
    what: (kind: 'fixed' | 'pattern') => string,
  ): void {
    if (constraint.fixed !== undefined && !sameJson(item.value, constraint.fixed)) {
      this.issues.push(issue('error', 'value', `Value did not match ${what('fixed')}`, item.path));
    } else if (constraint.pattern !== undefined && !matchesPattern(item.value, constraint.pattern)) {
      this.issues.push(issue('error', 'value', `Value did not match ${what('pattern')}`, item.path));
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
        this.checkFixed(child, item, (kind) => `the ${kind === 'fixed' ? 'fixed value' : 'pattern'} of slice '${slice.name}'`);
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
