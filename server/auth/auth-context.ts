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

/**
 * The one check of scopes: may this request do this to this resource type? Requests without an
 * AuthContext are the server's own work (status changes, publishing definitions) and may.
 */
export function authorize(auth: AuthContext | undefined, permission: Permission, resourceType: string): void {
  // The audit trail is the administrator's to read (a patient's access log), whatever else a client may read.
  if (auth && resourceType === 'AuditEvent' && auth.role !== 'admin') {
    throw new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      id: 'forbidden',
      issue: [{ severity: 'error', code: 'forbidden', details: { text: 'Only an administrator client reads the audit trail' } }],
    });
  }
  if (auth && !auth.scopes.allows(permission, resourceType)) {
    throw new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      id: 'forbidden',
      issue: [
        {
          severity: 'error',
          code: 'forbidden',
          details: { text: `The access token's scopes do not allow ${NAMES[permission]} on ${resourceType} (needs system/${resourceType}.${permission})` },
        },
      ],
    });
  }
}
