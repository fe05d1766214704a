import type { CapabilityStatement, CapabilityStatementRestResource, ResourceType } from '@medplum/fhirtypes';
import { COLUMN_PARAMS } from '../store/search/registry.ts';
import type { IndexedParam, SearchParamRegistry } from '../store/search/registry.ts';
import { isIdentifierParam } from '../store/search/conditions.ts';
import { TEXT_PARAMS } from '../store/search/text.ts';
import { getResourceTypes } from './definitions.ts';
import type { TopicCatalog } from '../../subscriptions/topics/topic-catalog.ts';

const VERSION = '0.1.0';

/** The Subscriptions Backport IG's operations this server answers on Subscription (subscriptions/operations.ts). */
const SUBSCRIPTION_OPERATIONS = [
  { name: 'status', definition: 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-status' },
  { name: 'events', definition: 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-events' },
];

/** Operations every type answers (server/http/operation-routes.ts). */
const RESOURCE_OPERATIONS = [
  { name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' },
  { name: 'fhirpath', definition: 'https://knutepunkt.dev/fhir/OperationDefinition/fhirpath' },
];

/** How the Backport IG has an R4 server list the topics it offers: on its Subscription resource. */
const TOPIC_CANONICAL = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical';
const BACKPORT_SERVER = 'http://hl7.org/fhir/uv/subscriptions-backport/CapabilityStatement/backport-subscription-server-r4';

/** What a parameter offers beyond its type's usual modifiers, said where a client looks for it. */
function searchParamDocumentation(param: IndexedParam): string | undefined {
  if (TEXT_PARAMS[param.code]) {
    return `${TEXT_PARAMS[param.code].description}; :missing is the only modifier.`;
  }
  return isIdentifierParam(param) ? 'Also :of-type=typeSystem|typeCode|value (the identifier\'s type coding and its value).' : undefined;
}

/** How contained resources are searched, for the REST documentation. */
const CONTAINED_DOCUMENTATION =
  'Search: _contained=false (default), true or both and _containedType=container (default) or contained on every type; with true or both, chains, _has, _sort, _include, _revinclude and _total=accurate are refused (400).';

/**
 * The CapabilityStatement, generated from the interactions this server implements, the search
 * parameters its store can answer (parameters of types not indexed yet are left out) and the
 * subscription topics it offers.
 */
export function buildCapabilityStatement(registry: SearchParamRegistry, topics: TopicCatalog): CapabilityStatement {
  const resources: CapabilityStatementRestResource[] = getResourceTypes().map((type) => ({
    type: type as ResourceType,
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    interaction: ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'].map(
      (code) => ({ code: code as 'read' })
    ),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalRead: 'not-supported',
    conditionalUpdate: true,
    conditionalDelete: 'single',
    searchParam: registry
      .forType(type)
      .filter((p) => p.table !== undefined || COLUMN_PARAMS.has(p.code))
      .map((p) => {
        const documentation = searchParamDocumentation(p);
        return { name: p.code, definition: p.definition.url, type: p.definition.type, ...(documentation ? { documentation } : {}) };
      }),
    operation: type === 'Subscription' ? [...RESOURCE_OPERATIONS, ...SUBSCRIPTION_OPERATIONS] : RESOURCE_OPERATIONS,
    ...(type === 'Subscription'
      ? {
          extension: topics.all().map((t) => ({ url: TOPIC_CANONICAL, valueCanonical: t.url })),
        }
      : {}),
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    publisher: 'Knutepunkt',
    kind: 'instance',
    instantiates: [BACKPORT_SERVER],
    software: { name: 'Knutepunkt', version: VERSION },
    implementation: { description: 'Knutepunkt FHIR R4 server for welfare technology' },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/json'],
    patchFormat: ['application/json-patch+json', 'application/fhir+json'],
    rest: [
      {
        mode: 'server',
        documentation: CONTAINED_DOCUMENTATION,
        resource: resources,
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'history-system' }],
      },
    ],
  };
}
