import type { Basic, Extension, Resource } from '@medplum/fhirtypes';
import { readProfileBuild } from '../../server/validation/profile-registry.ts';
import type { Interaction } from '../subscription-model.ts';

/**
 * The subscription topics this server offers, read from the topics authored in FSH
 * (profiles/topics/): Basic resources coded SubscriptionTopic with the R5 elements as
 * cross-version extensions, as the Subscriptions Backport IG writes topics on R4. The server
 * matches by exactly what they publish: the resource triggers (type and interactions) and the
 * parameters each type can be filtered by.
 */

const SUBSCRIPTION_TOPIC_CODE = { system: 'http://hl7.org/fhir/fhir-types', code: 'SubscriptionTopic' };
const ARTIFACT_URL = 'http://hl7.org/fhir/StructureDefinition/artifact-url';
const R5 = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.';
const CORE_SD = 'http://hl7.org/fhir/StructureDefinition/';

export interface Topic {
  /** The canonical URL a Subscription names in its criteria. */
  url: string;
  title: string;
  /** The resource types whose writes are events of the topic, with the interactions that are. */
  triggers: ReadonlyMap<string, ReadonlySet<Interaction>>;
  /** The search parameters (codes) each resource type can be filtered by. */
  filters: ReadonlyMap<string, ReadonlySet<string>>;
  /** Keys of the topic itself, for events of every type (canFilterBy without a resource): `municipality`. */
  keys: ReadonlySet<string>;
  /** The topic as published (Basic). */
  resource: Basic;
}

const ARTIFACT_STATUS = 'http://hl7.org/fhir/StructureDefinition/artifact-status';

/** A topic this server offers: coded SubscriptionTopic, and not retired. */
function isTopic(resource: Resource): resource is Basic {
  return (
    resource.resourceType === 'Basic' &&
    (resource.code?.coding ?? []).some((c) => c.system === SUBSCRIPTION_TOPIC_CODE.system && c.code === SUBSCRIPTION_TOPIC_CODE.code) &&
    !(resource.modifierExtension ?? []).some((e) => e.url === ARTIFACT_STATUS && e.valueCode === 'retired')
  );
}

const parts = (extension: Extension, name: string): Extension[] => (extension.extension ?? []).filter((e) => e.url === name);

/** `http://hl7.org/fhir/StructureDefinition/Encounter` or `Encounter` → `Encounter`. */
const typeOf = (uri: string | undefined): string => (uri?.startsWith(CORE_SD) ? uri.slice(CORE_SD.length) : (uri ?? ''));

export function readTopic(resource: Basic): Topic {
  const extensions = resource.extension ?? [];
  const url = extensions.find((e) => e.url === ARTIFACT_URL)?.valueUri;
  if (!url) {
    throw new Error(`Topic Basic/${resource.id} has no ${ARTIFACT_URL}`);
  }
  const triggers = new Map<string, Set<Interaction>>();
  for (const trigger of extensions.filter((e) => e.url === `${R5}resourceTrigger`)) {
    const type = typeOf(parts(trigger, 'resource')[0]?.valueUri);
    const interactions = triggers.get(type) ?? new Set<Interaction>();
    for (const interaction of parts(trigger, 'supportedInteraction')) {
      interactions.add(interaction.valueCode as Interaction);
    }
    triggers.set(type, interactions);
  }
  const filters = new Map<string, Set<string>>();
  const keys = new Set<string>();
  for (const filter of extensions.filter((e) => e.url === `${R5}canFilterBy`)) {
    const resource = parts(filter, 'resource')[0]?.valueUri;
    const parameter = parts(filter, 'filterParameter')[0]?.valueString;
    if (parameter && !resource) {
      keys.add(parameter);
    } else if (parameter) {
      const type = typeOf(resource);
      filters.set(type, (filters.get(type) ?? new Set()).add(parameter));
    }
  }
  const title = extensions.find((e) => e.url === `${R5}title`)?.valueString ?? url;
  return { url, title, triggers, filters, keys, resource };
}

export class TopicCatalog {
  private readonly byUrl: Map<string, Topic>;

  constructor(topics: readonly Topic[]) {
    this.byUrl = new Map(topics.map((t) => [t.url, t]));
  }

  /** The topics among the resources of a profile build. */
  static fromResources(resources: readonly Resource[]): TopicCatalog {
    return new TopicCatalog(resources.filter(isTopic).map(readTopic));
  }

  get(url: string): Topic | undefined {
    return this.byUrl.get(url);
  }

  all(): Topic[] {
    return [...this.byUrl.values()];
  }
}

let shared: TopicCatalog | undefined;

/** The topics of the profile build, read once per process. */
export function loadTopicCatalog(): TopicCatalog {
  shared ??= TopicCatalog.fromResources(readProfileBuild());
  return shared;
}
