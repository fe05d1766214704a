import { FhirRouter } from '@medplum/fhir-router';
import type { Config } from './config.ts';
import { buildCapabilityStatement } from './fhir/capability.ts';
import { loadBaseDefinitions } from './fhir/definitions.ts';
import type { RequestContext } from './fhir/repository.ts';
import { KnutepunktRepository } from './fhir/repository.ts';
import type { Database } from './store/db/database.ts';
import { openDatabase } from './store/db/open.ts';
import { migrate } from './store/migrate.ts';
import { ResourceStore } from './store/resource-store.ts';
import { SearchParamRegistry } from './store/search/registry.ts';
import { publishConformanceResources } from './fhir/conformance-resources.ts';
import { loadProfileRegistry } from './validation/profile-registry.ts';
import type { Subscription } from '@medplum/fhirtypes';
import { ResourceValidator } from './validation/resource-validator.ts';
import { subscriptionIssues } from '../subscriptions/admission.ts';
import type { Validator } from './validation/validator.ts';
import type { SubscriptionRuntime } from '../subscriptions/runtime.ts';
import { startSubscriptionRuntime } from '../subscriptions/runtime.ts';
import { loadTopicCatalog } from '../subscriptions/topics/topic-catalog.ts';
import { AuthService } from './auth/auth-service.ts';
import { SERVER_TENANT } from './store/tenants.ts';
import { NeedToKnow } from './auth/need-to-know.ts';
import { AuditLog } from './audit/audit-log.ts';
import { parseSearchRequest } from '@medplum/core';

/** The tenant of AUTH=off, and the one the server publishes its definitions in (store/tenants.ts). */
export const DEFAULT_TENANT = SERVER_TENANT;

/** Everything a running server holds, built once at start and passed to the HTTP layer. */
export interface Services {
  config: Config;
  db: Database;
  store: ResourceStore;
  router: FhirRouter;
  validate: Validator;
  /** The validator behind `validate`, for $validate and its warnings. */
  validator: ResourceValidator;
  /** The CapabilityStatement as JSON text, generated from what this server supports. */
  capabilityStatement: string;
  /** A repository for one request. */
  repository(context: RequestContext): KnutepunktRepository;
  /** Tokens, clients and tenants (server/auth/). */
  auth: AuthService;
  /** The audit trail every request to the FHIR API leaves (server/audit/). */
  audit: AuditLog;
  /** Tjenstlig behov: which patients a vendor may see and write for. */
  needToKnow: NeedToKnow;
  /** The outbox relay, notification queue and delivery worker this process runs. */
  subscriptions: SubscriptionRuntime;
  /** Stops subscription delivery, then closes the database. */
  close(): Promise<void>;
}

/** Opens storage, brings its schema up to date and loads definitions. */
export async function createServices(config: Config, db?: Database): Promise<Services> {
  loadBaseDefinitions();
  const database = db ?? (await openDatabase(config));
  await migrate(database);
  const registry = await SearchParamRegistry.load(database);
  const store = ResourceStore.open(database, registry, config.searchTimeoutMs);
  const router = new FhirRouter();
  const profiles = loadProfileRegistry();
  registry.codeSets = profiles.terminology;
  const topics = loadTopicCatalog();
  // A Subscription must also be able to deliver (subscriptions/admission.ts), on write and in $validate.
  const admission = { allowedHosts: config.subscriptionAllowedHosts, registry, topics, baseUrl: config.baseUrl };
  const validator = new ResourceValidator(
    profiles,
    { defaultProfiles: config.defaultProfiles, allowSyntheticIdentifiers: config.syntheticIdentifiers },
    { Subscription: (resource) => subscriptionIssues(resource as Subscription, admission) },
  );
  const validate = validator.validate;
  // Need-to-know looks episodes and patients up as the server itself, in the caller's tenant.
  const needToKnow: NeedToKnow = new NeedToKnow((tenant, type, query) =>
    new KnutepunktRepository(store, { tenant, baseUrl: config.baseUrl ?? '' }, validate).searchResources(parseSearchRequest(type, query))
  );
  const repository = (context: RequestContext): KnutepunktRepository => new KnutepunktRepository(store, context, validate, needToKnow);
  // Definitions and topics are ordinary resources clients can search (topics: Basic?code=SubscriptionTopic).
  await publishConformanceResources(repository({ tenant: DEFAULT_TENANT, baseUrl: config.baseUrl ?? '' }), [
    ...profiles.ownResources,
    ...topics.all().map((t) => t.resource),
  ]);
  const auth = await AuthService.start(database, config.tokens);
  const subscriptions = startSubscriptionRuntime({ config, db: database, store, repository, topics });
  return {
    config,
    db: database,
    store,
    router,
    validate,
    validator,
    capabilityStatement: JSON.stringify(buildCapabilityStatement(registry, topics)),
    repository,
    auth,
    needToKnow,
    audit: new AuditLog(store),
    subscriptions,
    close: async () => {
      await subscriptions.close();
      await store.close();
      await database.close();
    },
  };
}
