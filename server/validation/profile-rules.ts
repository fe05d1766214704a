import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { Binding, ElementRules, SliceRule } from './profile-compile.ts';
import { codingsOf, issue, locate, matchesPattern, referencedType, sameJson, sliceOf } from './element-values.ts';
import type { Terminology } from './terminology.ts';

/**
 * The rules of one element that go beyond its structure: value set bindings, reference target
 * types, datatype profiles, and the slices of a sliced element (counts and their contents).
 */
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

  /** The rules of a repeating element that concern all its values together: slice counts. */
  checkAll(rules: ElementRules, items: unknown[], path: string): void {
    if (rules.slices) {
      this.countSlices(rules.slices, items, path);
    }
  }

  /** The rules for one value of the element; `type` is the value's type. */
  check(rules: ElementRules, value: unknown, path: string, type: string): void {
    for (const binding of rules.bindings) {
      this.checkBinding(binding, value, path);
    }
    if (rules.referenceTypes && value && typeof value === 'object') {
      const target = referencedType(value as { reference?: string; type?: string });
      if (target && !rules.referenceTypes.includes(target)) {
        this.issues.push(issue('error', 'structure', `Reference to ${target} is not allowed here: expected ${rules.referenceTypes.join(' or ')}`, path));
      }
    }
    for (const profile of rules.typeProfiles) {
      if (profile.type === type) {
        this.onTypeProfile(profile.url, value, path);
      }
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

  /** A value against the fixed[x] or pattern[x] of its element; `what` says which was expected. */
  checkFixed(
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
