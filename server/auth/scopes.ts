/**
 * SMART App Launch v2 scopes for backend services: `system/Observation.cruds`, `system/*.rs`, and
 * the v1 forms `system/Observation.read|write|*`. Each grants some of create, read, update, delete
 * and search on one resource type or all.
 */

export type Permission = 'c' | 'r' | 'u' | 'd' | 's';

const V2 = /^system\/(\*|[A-Z][A-Za-z]+)\.(c?r?u?d?s?)$/;
const V1 = /^system\/(\*|[A-Z][A-Za-z]+)\.(read|write|\*)$/;
const V1_PERMISSIONS: Record<string, Permission[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };

export interface Scope {
  resourceType: string;
  permissions: ReadonlySet<Permission>;
  text: string;
}

/** A scope as written, or undefined when it is not a system scope this server understands. */
export function parseScope(text: string): Scope | undefined {
  const v2 = V2.exec(text);
  if (v2 && v2[2]) {
    return { resourceType: v2[1], permissions: new Set(v2[2].split('') as Permission[]), text };
  }
  const v1 = V1.exec(text);
  if (v1) {
    return { resourceType: v1[1], permissions: new Set(V1_PERMISSIONS[v1[2]]), text };
  }
  return undefined;
}

/** The scopes of a token or a client, asked: may it do this to this type? */
export class ScopeSet {
  readonly scopes: readonly Scope[];

  constructor(scopes: readonly Scope[]) {
    this.scopes = scopes;
  }

  /** Parses space-separated scopes; unknown ones are left out (OAuth lets a server narrow a request). */
  static parse(text: string): ScopeSet {
    return new ScopeSet(
      text
        .split(/\s+/)
        .filter(Boolean)
        .map(parseScope)
        .filter((s): s is Scope => s !== undefined)
    );
  }

  allows(permission: Permission, resourceType: string): boolean {
    return this.scopes.some((s) => (s.resourceType === '*' || s.resourceType === resourceType) && s.permissions.has(permission));
  }

  /** True when every permission of `other` is granted by this set. */
  covers(other: Scope): boolean {
    const types = other.resourceType === '*' ? ['*'] : [other.resourceType];
    return [...other.permissions].every((p) =>
      types.every((t) => this.scopes.some((s) => (s.resourceType === '*' || s.resourceType === t) && s.permissions.has(p)))
    );
  }

  toString(): string {
    return this.scopes.map((s) => s.text).join(' ');
  }
}
