/**
 * Whose rows a query sees. Every row belongs to one tenant, and a query sees its own tenant's
 * rows, plus, for the definitions the server publishes (profiles, value sets, code systems,
 * operations, subscription topics), those of the server's own tenant: every municipality validates against
 * and subscribes to the same ones. No client belongs to the server's tenant when authentication is
 * on (tenants are organisation numbers), so it holds only what the server itself publishes; with
 * AUTH=off it is the one development tenant.
 */

export const SERVER_TENANT = 'default';

/** Resource types of the server's publications, readable from every tenant. */
const SHARED_TYPES = new Set(['StructureDefinition', 'ValueSet', 'CodeSystem', 'OperationDefinition', 'SearchParameter', 'Basic']);

/** The tenants whose rows of this type a query from `tenant` sees: its own, first. */
export function visibleTenants(tenant: string, resourceType: string): string[] {
  return tenant !== SERVER_TENANT && SHARED_TYPES.has(resourceType) ? [tenant, SERVER_TENANT] : [tenant];
}
