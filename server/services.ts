import { FhirRouter } from '@medplum/fhir-router';
import type { Config } from './config.ts';
import { buildCapabilityStatement } from './fhir/capability.ts';
import { loadBaseDefinitions } from './fhir/definitions.ts';
import type { RequestContext } from './fhir/repository.ts';
import { internalSearch, KnutepunktRepository } from './fhir/repository.ts';
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
import type { SearchParameter } from '@medplum/fhirtypes';
import { customParamIssues } from './store/search/custom-params.ts';
import { CustomParamSync } from './store/search/custom-param-sync.ts';
import { ReindexRunner } from './store/reindex/runner.ts';

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
  /** The CapabilityStatement as JSON text, generated from what this server supports (and again when its search parameters change). */
  readonly capabilityStatement: string;
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
  /** Builds index rows again after a SearchParameter is defined or changed (server/store/reindex/). */
  reindex: ReindexRunner;
  /** Keeps the search parameters defined by SearchParameter resources current in this process. */
  customParams: CustomParamSync;
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
    {
      Subscription: (resource) => subscriptionIssues(resource as Subscription, admission),
      SearchParameter: (resource) => customParamIssues(resource as SearchParameter, registry),
    },
  );
  const validate = validator.validate;
  // Need-to-know looks episodes and patients up as the server itself, in the caller's tenant.
  const needToKnow: NeedToKnow = new NeedToKnow(internalSearch(store, validate, config.baseUrl ?? ''));
  const repository = (context: RequestContext): KnutepunktRepository => new KnutepunktRepository(store, context, validate, needToKnow);
  // SearchParameters define search parameters: the profiles' own (published below) and run-time ones.
  const reindex = new ReindexRunner(database, registry, { baseUrl: config.baseUrl, pollMs: config.searchParamSyncMs * 2 });
  const customParams = new CustomParamSync(database, registry, { intervalMs: config.searchParamSyncMs, onJob: (delayMs) => reindex.wake(delayMs) });
  reindex.onProgress = () => void customParams.refreshIndexing();
  reindex.beforeClaim = () => customParams.refresh();
  store.definitionsWritten = () => customParams.refresh();
  // Definitions and topics are ordinary resources clients can search (topics: Basic?code=SubscriptionTopic).
  await publishConformanceResources(repository({ tenant: DEFAULT_TENANT, baseUrl: config.baseUrl ?? '' }), [
    ...profiles.ownResources,
    ...topics.all().map((t) => t.resource),
  ]);
  await customParams.refresh();
  customParams.start();
  reindex.start();
  const auth = await AuthService.start(database, config.tokens);
  const subscriptions = startSubscriptionRuntime({ config, db: database, store, repository, topics });
  let capability = { generation: -1, json: '' };
  return {
    config,
    db: database,
    store,
    router,
    validate,
    validator,
    get capabilityStatement() {
      if (capability.generation !== registry.generation) {
        capability = { generation: registry.generation, json: JSON.stringify(buildCapabilityStatement(registry, topics)) };
      }
      return capability.json;
    },
    repository,
    auth,
    needToKnow,
    audit: new AuditLog(store),
    subscriptions,
    reindex,
    customParams,
    close: async () => {
      await customParams.stop();
      await reindex.stop();
      await subscriptions.close();
      await store.close();
      await database.close();
    },
  };
}
