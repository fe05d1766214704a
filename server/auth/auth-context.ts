import type { Coding } from '@medplum/fhirtypes';
import { OperationOutcomeError } from '@medplum/core';
import type { ClientRole, ServiceCode } from './clients.ts';
import type { Permission } from './scopes.ts';
import { ScopeSet } from './scopes.ts';

/** Who a request comes from, as its access token says (or the development default with AUTH=off). */
export interface AuthContext {
  tenant: string;
  /** The client's id; undefined with AUTH=off. */
  clientId?: string;
  role: ClientRole;
  scopes: ScopeSet;
  serviceCodes: readonly string[] | readonly ServiceCode[];
}

/** AUTH=off: everything is allowed, on the default tenant. */
export function developmentAuth(tenant: string): AuthContext {
  return { tenant, role: 'admin', scopes: ScopeSet.parse('system/*.cruds'), serviceCodes: [] };
}

const NAMES: Record<Permission, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

/** Why `auth` may not do this to this type; undefined when it may. */
function refusal(auth: AuthContext | undefined, permission: Permission, resourceType: string): string | undefined {
  if (!auth) {
    return undefined;
  }
  // The audit trail is the administrator's to read (a patient's access log), whatever else a client may read.
  if (resourceType === 'AuditEvent' && auth.role !== 'admin') {
    return 'Only an administrator client reads the audit trail';
  }
  if (!auth.scopes.allows(permission, resourceType)) {
    return `The access token's scopes do not allow ${NAMES[permission]} on ${resourceType} (needs system/${resourceType}.${permission})`;
  }
  return undefined;
}

/** True when `auth` may do this to this type (for filtering what a listing shows). */
export function permits(auth: AuthContext | undefined, permission: Permission, resourceType: string): boolean {
  return refusal(auth, permission, resourceType) === undefined;
}

/**
 * The one check of scopes: may this request do this to this resource type? Requests without an
 * AuthContext are the server's own work (status changes, publishing definitions) and may.
 */
export function authorize(auth: AuthContext | undefined, permission: Permission, resourceType: string): void {
  const reason = refusal(auth, permission, resourceType);
  if (reason) {
    throw forbidden(reason);
  }
}

/** A 403 saying why (and, for the hub's own refusals, its VKP operation-outcome code). */
export function forbidden(text: string, coding?: Coding): OperationOutcomeError {
  return new OperationOutcomeError({
    resourceType: 'OperationOutcome',
    id: 'forbidden',
    issue: [{ severity: 'error', code: 'forbidden', details: { ...(coding ? { coding: [coding] } : {}), text } }],
  });
}
