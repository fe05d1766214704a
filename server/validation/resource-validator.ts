import type { TypedValueWithPath } from '@medplum/core';
import { OperationOutcomeError, validateResource, validateTypedValue } from '@medplum/core';
import type { OperationOutcome, OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { checkNorwegianIdentifier } from './identifier-checks.ts';
import type { ProfileRegistry } from './profile-registry.ts';
import { issue } from './element-values.ts';
import type { CompiledProfile } from './profile-compile.ts';
import { compileProfile } from './profile-compile.ts';
import { RuleChecker } from './profile-rules.ts';
import type { Validator } from './validator.ts';
import { concreteLocation } from './validator.ts';

/** How strictly writes are checked; both come from the server configuration. */
export interface ValidationPolicy {
  /** Apply each resource type's default welfare-technology profile even when none is claimed. */
  defaultProfiles: boolean;
  /** Accept synthetic Test Norge numbers (month + 80): only on servers that hold test data. */
  allowSyntheticIdentifiers: boolean;
}

export interface ValidationResult {
  issues: OperationOutcomeIssue[];
  /** 200 when valid; 400 when the resource breaks FHIR's own rules; 422 when it breaks a profile. */
  status: 200 | 400 | 422;
}

export interface ValidateOptions {
  /** Check against this profile only (the `profile` parameter of $validate), instead of the policy. */
  profile?: string;
}

const CORE_BASE = 'http://hl7.org/fhir/StructureDefinition/';

/**
 * Validation on write: FHIR's base rules and every profile that applies (claimed in meta.profile,
 * mapped from official VKP URLs, and the type's default profile), with the gaps of Medplum's
 * validator closed: value set bindings, choice narrowing, reference target types, datatype and
 * extension profiles, and Norwegian identifier check digits.
 */
export class ResourceValidator {
  private readonly registry: ProfileRegistry;
  private readonly policy: ValidationPolicy;
  private readonly compiled = new Map<string, CompiledProfile>();

  constructor(registry: ProfileRegistry, policy: ValidationPolicy) {
    this.registry = registry;
    this.policy = policy;
  }

  /** The Validator the repository calls before every write: throws a 400 or 422 OperationOutcome. */
  readonly validate: Validator = (resource) => {
    const result = this.check(resource);
    if (result.status !== 200) {
      const outcome: OperationOutcome = { resourceType: 'OperationOutcome', issue: result.issues };
      if (result.status === 422) {
        // Medplum's getStatus (used by our error handler and its batch processor) reads 422 from this id.
        outcome.id = 'business-rule';
      }
      throw new OperationOutcomeError(outcome);
    }
  };

  /** True when `url` names a resource profile this server can validate against. */
  knowsProfile(url: string): boolean {
    return this.registry.resolve(url)?.kind === 'resource';
  }

  /** All issues of a resource, errors and warnings, and the status a write of it would get. */
  check(resource: Resource, options: ValidateOptions = {}): ValidationResult {
    const issues: OperationOutcomeIssue[] = [];
    this.checkResource(resource, resource.resourceType, issues, options.profile);
    const unique = dedupe(issues);
    if (!unique.some((i) => i.severity === 'error')) {
      return { issues: unique, status: 200 };
    }
    const base: OperationOutcomeIssue[] = [];
    this.checkAgainst(resource, undefined, resource.resourceType, base);
    return { issues: unique, status: base.some((i) => i.severity === 'error') ? 400 : 422 };
  }

  /** The profiles a resource is checked against under the policy, or the one asked for. */
  private profilesFor(resource: Resource, path: string, issues: OperationOutcomeIssue[], requested?: string): StructureDefinition[] {
    const profiles: StructureDefinition[] = [];
    const claims = requested ? [requested] : (resource.meta?.profile ?? []);
    claims.forEach((url, i) => {
      const sd = this.registry.resolve(url);
      const where = requested ? `${path}` : `${path}.meta.profile[${i}]`;
      if (!sd || sd.kind !== 'resource') {
        issues.push(issue('error', 'not-supported', `Unknown profile ${url}: this server has no such StructureDefinition`, where));
      } else if (sd.type !== resource.resourceType) {
        issues.push(issue('error', 'invalid', `Profile ${url} is for ${sd.type}, not ${resource.resourceType}`, where));
      } else if (!profiles.includes(sd)) {
        profiles.push(sd);
      }
    });
    const fallback = this.policy.defaultProfiles && !requested ? this.registry.defaultProfile(resource.resourceType) : undefined;
    if (fallback && !profiles.some((p) => this.registry.derivesFrom(p, fallback.url))) {
      profiles.push(fallback);
    }
    return profiles;
  }

  private checkResource(resource: Resource, path: string, issues: OperationOutcomeIssue[], requested?: string): void {
    const profiles = this.profilesFor(resource, path, issues, requested);
    if (profiles.length === 0) {
      this.checkAgainst(resource, undefined, path, issues);
    }
    for (const profile of profiles) {
      this.checkAgainst(resource, profile, path, issues);
    }
    this.walk(resource, path, issues);
  }

  /** Medplum's validator with one profile (or the base), then our rules for the same profile. */
  private checkAgainst(resource: Resource, profile: StructureDefinition | undefined, path: string, issues: OperationOutcomeIssue[]): void {
    const tokens: Record<string, TypedValueWithPath[]> = {};
    medplumIssues(
      () =>
        profile
          ? validateTypedValue({ type: this.registry.schemaType(profile), value: resource }, { collect: { tokens } })
          : validateResource(resource, { collect: { tokens } }),
      resource,
      resource.resourceType,
      path,
      issues,
    );
    const sd = profile ?? this.registry.resolve(`${CORE_BASE}${resource.resourceType}`);
    if (sd) {
      const checker = this.rules(sd, issues);
      checker.apply(this.compile(sd), resource, resource.resourceType, path);
      checkCollected(checker, tokens, resource.resourceType, path);
    }
  }

  private rules(owner: StructureDefinition, issues: OperationOutcomeIssue[]): RuleChecker {
    return new RuleChecker(this.registry.terminology, issues, (profileUrl, value, path) => {
      const sd = this.registry.resolve(profileUrl);
      if (!sd || sd.url === owner.url) {
        return;
      }
      if (sd.kind === 'resource' && value && typeof value === 'object' && 'resourceType' in value) {
        this.checkAgainst(value as Resource, sd, path, issues);
      } else if (sd.kind !== 'resource') {
        this.checkTyped(sd, value, path, issues);
      }
    });
  }

  /** A datatype or extension value against its profile. */
  private checkTyped(sd: StructureDefinition, value: unknown, path: string, issues: OperationOutcomeIssue[]): void {
    medplumIssues(() => validateTypedValue({ type: this.registry.schemaType(sd), value }), value, sd.type, path, issues);
    this.rules(sd, issues).apply(this.compile(sd), value, sd.type, path);
  }

  private compile(sd: StructureDefinition): CompiledProfile {
    let compiled = this.compiled.get(sd.url);
    if (!compiled) {
      compiled = compileProfile(sd, this.registry);
      this.compiled.set(sd.url, compiled);
    }
    return compiled;
  }

  /**
   * One pass over every element: extensions against their definitions, Norwegian identifiers
   * against their check digits, and the resources inside a Bundle through the whole pipeline.
   */
  private walk(node: unknown, path: string, issues: OperationOutcomeIssue[]): void {
    if (Array.isArray(node)) {
      node.forEach((item, i) => this.walk(item, `${path}[${i}]`, issues));
      return;
    }
    if (node === null || typeof node !== 'object') {
      return;
    }
    const object = node as Record<string, unknown>;
    if ('system' in object && 'value' in object) {
      checkNorwegianIdentifier(object, path, this.policy.allowSyntheticIdentifiers, issues);
    }
    for (const [key, child] of Object.entries(object)) {
      // `_birthDate` holds the extensions of `birthDate`; FHIRPath names both `birthDate`.
      const childPath = `${path}.${key.startsWith('_') ? key.slice(1) : key}`;
      if ((key === 'extension' || key === 'modifierExtension') && Array.isArray(child)) {
        child.forEach((ext, i) => this.checkExtension(ext, `${childPath}[${i}]`, issues));
      } else if (key === 'resource' && path.includes('.entry[') && child && typeof child === 'object' && 'resourceType' in child) {
        this.checkResource(child as Resource, childPath, issues);
        continue;
      }
      this.walk(child, childPath, issues);
    }
  }

  private checkExtension(ext: unknown, path: string, issues: OperationOutcomeIssue[]): void {
    const url = (ext as { url?: unknown } | null)?.url;
    if (typeof url !== 'string') {
      return;
    }
    const sd = this.registry.resolve(url);
    if (sd?.type === 'Extension') {
      // An official VKP extension URL is checked by our equivalent definition, which fixes its own URL.
      this.checkTyped(sd, url === sd.url ? ext : { ...(ext as object), url: sd.url }, path, issues);
    } else if (!sd && this.registry.isOwnUrl(url)) {
      issues.push(issue('error', 'structure', `Unknown extension ${url}: this server has no such definition`, `${path}.url`));
    }
  }
}

/**
 * Medplum's validator collects the values of required bindings as it walks, datatypes included
 * (Identifier.use, Quantity.comparator …), which our rules, compiled from resource snapshots, do not reach.
 */
function checkCollected(checker: RuleChecker, tokens: Record<string, TypedValueWithPath[]>, typeName: string, path: string): void {
  for (const [valueSet, values] of Object.entries(tokens)) {
    for (const value of values) {
      checker.checkRequired(valueSet, value.value, rebase(value.path, typeName, path));
    }
  }
}

/** Medplum names paths from the validated value's type; ours start where the value sits. */
function rebase(expression: string, typeName: string, path: string): string {
  return expression === typeName || expression.startsWith(`${typeName}.`) ? path + expression.slice(typeName.length) : expression;
}

/**
 * Runs one of Medplum's validations and adds its issues, errors (thrown) and warnings (returned)
 * alike, at our locations. Its reference-type warnings are dropped: our rules report those as errors.
 */
function medplumIssues(
  validation: () => OperationOutcomeIssue[],
  value: unknown,
  typeName: string,
  path: string,
  issues: OperationOutcomeIssue[],
): void {
  let found: OperationOutcomeIssue[];
  try {
    found = validation();
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) {
      throw err;
    }
    found = err.outcome.issue;
  }
  for (const i of found) {
    if (i.severity === 'warning' && i.details?.text?.startsWith('Invalid reference')) {
      continue;
    }
    const located = concreteLocation(value, typeName, i);
    issues.push(located.expression ? { ...located, expression: located.expression.map((e) => rebase(e, typeName, path)) } : located);
  }
}

function dedupe(issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.severity}|${i.details?.text}|${i.expression?.join(',')}`;
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}
