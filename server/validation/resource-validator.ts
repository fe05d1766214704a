import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome, OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { checkNorwegianIdentifier } from './identifier-checks.ts';
import type { ProfileRegistry } from './profile-registry.ts';
import { issue } from './element-values.ts';
import type { CompiledProfile } from './profile-compile.ts';
import { compileProfile } from './profile-compile.ts';
import type { CheckerContext } from './profile-checker.ts';
import { ProfileChecker } from './profile-checker.ts';
import type { Validator } from './validator.ts';

/** How strictly writes are checked; both come from the server configuration. */
export interface ValidationPolicy {
  /** Apply each resource type's default welfare-technology profile even when none is claimed. */
  defaultProfiles: boolean;
  /** Accept synthetic Test Norge numbers (month + 80): only on servers that hold test data. */
  allowSyntheticIdentifiers: boolean;
}

/**
 * Rules for a resource type beyond its profiles, from outside validation (a Subscription must be
 * able to deliver: subscriptions/admission.ts). Their errors are business rules: a 422.
 */
export type ResourceRules = Partial<Record<string, (resource: Resource) => OperationOutcomeIssue[]>>;

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
 * Validation on write: every profile that applies (claimed in meta.profile, mapped from official
 * VKP URLs, and the type's default profile), or FHIR's base definition when none does. Each is a
 * compiled definition checked in one walk (profile-checker.ts): structure, invariants, bindings,
 * references, slices, datatype and extension profiles, Norwegian identifier check digits. A
 * refused resource is checked once more against the base alone, to tell 400 from 422.
 */
export class ResourceValidator {
  private readonly registry: ProfileRegistry;
  private readonly policy: ValidationPolicy;
  private readonly compiled = new Map<string, CompiledProfile>();
  private readonly context: CheckerContext;
  private readonly baseContext: CheckerContext;
  private readonly rules: ResourceRules;

  constructor(registry: ProfileRegistry, policy: ValidationPolicy, rules: ResourceRules = {}) {
    this.registry = registry;
    this.policy = policy;
    this.rules = rules;
    this.context = this.checkerContext();
    // FHIR's own rules: core datatype profiles (SimpleQuantity) apply, extension definitions and
    // Norwegian identifier rules do not.
    this.baseContext = {
      ...this.context,
      definition: (url) => {
        const sd = this.registry.resolve(url);
        return sd && sd.type !== 'Extension' && sd.url.startsWith(CORE_BASE) ? this.compile(sd) : undefined;
      },
      isOwnUrl: () => false,
      checkIdentifier: () => undefined,
    };
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
    issues.push(...(this.rules[resource.resourceType]?.(resource) ?? []));
    const unique = dedupe(issues);
    if (!unique.some((i) => i.severity === 'error')) {
      return { issues: unique, status: 200 };
    }
    const base: OperationOutcomeIssue[] = [];
    this.checkBase(resource, resource.resourceType, base);
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
      this.checkAgainst(this.base(resource.resourceType), resource, path, issues);
    }
    for (const profile of profiles) {
      this.checkAgainst(this.compile(profile), resource, path, issues);
    }
    this.forEachEntry(resource, path, (entry, at) => this.checkResource(entry, at, issues));
  }

  /** FHIR's own rules for a resource and the resources in it, without any profile. */
  private checkBase(resource: Resource, path: string, issues: OperationOutcomeIssue[]): void {
    this.checkAgainst(this.base(resource.resourceType), resource, path, issues, this.baseContext);
    this.forEachEntry(resource, path, (entry, at) => this.checkBase(entry, at, issues));
  }

  /** The resources of a Bundle's entries, which are checked as resources of their own. */
  private forEachEntry(resource: Resource, path: string, check: (entry: Resource, path: string) => void): void {
    if (resource.resourceType !== 'Bundle') {
      return;
    }
    resource.entry?.forEach((entry, i) => {
      const inner = (entry as { resource?: unknown } | null)?.resource;
      if (inner && typeof inner === 'object' && typeof (inner as Resource).resourceType === 'string') {
        check(inner as Resource, `${path}.entry[${i}].resource`);
      }
    });
  }

  /** One value against one compiled definition (a resource, datatype or extension profile). */
  private checkAgainst(
    profile: CompiledProfile | undefined,
    value: unknown,
    path: string,
    issues: OperationOutcomeIssue[],
    context = this.context,
  ): void {
    if (!profile) {
      const type = (value as { resourceType?: unknown }).resourceType;
      issues.push(issue('error', 'not-supported', `Unknown resource type ${String(type)}`, path));
      return;
    }
    new ProfileChecker(context, issues).apply(profile, value, path);
  }

  private checkerContext(): CheckerContext {
    return {
      terminology: this.registry.terminology,
      primitives: this.registry.primitives,
      base: (type) => this.base(type),
      definition: (url) => {
        const sd = this.registry.resolve(url);
        return sd ? this.compile(sd) : undefined;
      },
      isOwnUrl: (url) => this.registry.isOwnUrl(url),
      checkIdentifier: (identifier, path, issues) =>
        checkNorwegianIdentifier(identifier, path, this.policy.allowSyntheticIdentifiers, issues),
    };
  }

  /** The compiled R4 definition of a type. */
  private base(type: string): CompiledProfile | undefined {
    const sd = this.registry.resolve(`${CORE_BASE}${type}`);
    return sd ? this.compile(sd) : undefined;
  }

  private compile(sd: StructureDefinition): CompiledProfile {
    let compiled = this.compiled.get(sd.url);
    if (!compiled) {
      compiled = compileProfile(sd, this.registry);
      this.compiled.set(sd.url, compiled);
    }
    return compiled;
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
