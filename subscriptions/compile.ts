import { OperationOutcomeError } from '@medplum/core';
import type { Subscription } from '@medplum/fhirtypes';
import { queryRecord } from '../server/fhir/search-request.ts';
import type { Criteria } from '../server/store/search/matcher.ts';
import type { SearchParamRegistry } from '../server/store/search/registry.ts';
import { checkOrganizationNumber } from '../server/validation/norwegian-identifiers.ts';
import { compileCriteria } from './criteria.ts';
import type { Interaction, LiveSubscription } from './subscription-model.ts';
import {
  BACKPORT_EXTENSIONS,
  channelNumber,
  interactionsOf,
  isTopicBased,
  primitiveExtensions,
} from './subscription-model.ts';
import type { TopicCatalog } from './topics/topic-catalog.ts';

/**
 * Turns a stored Subscription into what the relay matches with, for both kinds: R4 criteria (a
 * search) and a topic with Backport IG filter criteria (searches narrowed to the parameters the
 * topic lets each type be filtered by). Admission compiles the same way, so a subscription that
 * is stored is one the relay can match; what cannot be compiled is an error at the element.
 */

export interface CompileContext {
  registry: SearchParamRegistry;
  topics: TopicCatalog;
  /** Public base URL, so absolute references to this server match as local ones. */
  baseUrl?: string;
}

/** A subscription that cannot be compiled: the problem and the element it is at. */
export class SubscriptionError extends Error {
  readonly expression: string;
  constructor(message: string, expression: string) {
    super(message);
    this.expression = expression;
  }
}

type Stored = Subscription & { id?: string };

export function compileSubscription(tenant: string, subscription: Stored, context: CompileContext): LiveSubscription {
  const base = {
    tenant,
    id: subscription.id ?? '',
    versionId: subscription.meta?.versionId ?? '',
    status: subscription.status,
    end: subscription.end ? Date.parse(subscription.end) : undefined,
  };
  if (!isTopicBased(subscription)) {
    const criteria = searchCriteria(subscription.criteria, context, 'Subscription.criteria');
    const interactions = interactionsOf(subscription);
    return {
      ...base,
      kind: 'criteria',
      resourceTypes: [criteria.resourceType],
      matches: (_type, interaction, subject) => interactions.has(interaction) && criteria.matches(subject()),
    };
  }
  const topic = context.topics.get(subscription.criteria as string);
  if (!topic) {
    const known = context.topics.all().map((t) => t.url).join(', ');
    throw new SubscriptionError(`Unknown topic ${subscription.criteria}: this server offers ${known}`, 'Subscription.criteria');
  }
  // Filters of one type apply to that type's events (AND); a filter without a type to every type.
  const filters = new Map<string, Criteria[]>([...topic.triggers.keys()].map((type) => [type, []]));
  // The topic's own key: the municipality whose data the event is, which for a subscription is its tenant.
  let ownMunicipality = true;
  primitiveExtensions(subscription, 'criteria')
    .filter((e) => e.url === BACKPORT_EXTENSIONS.filterCriteria)
    .forEach((extension, i) => {
      const where = `Subscription.criteria.extension[${i}]`;
      const text = extension.valueString ?? '';
      const question = text.indexOf('?');
      const typed = question > 0 && /^[A-Z][A-Za-z]+$/.test(text.slice(0, question));
      const types = typed ? [text.slice(0, question)] : [...topic.triggers.keys()];
      const terms = (typed ? text.slice(question + 1) : text.replace(/^\?/, '')).split('&').filter(Boolean);
      const isKey = (term: string) => topic.keys.has(term.split('=')[0]);
      for (const term of terms.filter(isKey)) {
        const municipalities = decoded(term.slice(term.indexOf('=') + 1), where).split(',');
        for (const orgnr of municipalities) {
          if (!checkOrganizationNumber(orgnr).valid) {
            throw new SubscriptionError(`municipality must be organisasjonsnummer (9 digits, valid control digit), not "${orgnr}"`, where);
          }
        }
        ownMunicipality &&= municipalities.includes(tenant);
      }
      const query = terms.filter((term) => !isKey(term)).join('&');
      if (!query) {
        return;
      }
      for (const type of types) {
        if (!topic.triggers.has(type)) {
          throw new SubscriptionError(`Filter on ${type}, which topic ${topic.url} has no events of`, where);
        }
        const allowed = topic.filters.get(type) ?? new Set();
        for (const name of Object.keys(queryRecord(query))) {
          const code = name.split(':')[0];
          if (!allowed.has(code)) {
            const offered = [...allowed].join(', ') || 'nothing';
            throw new SubscriptionError(`Topic ${topic.url} cannot filter ${type} by "${code}": it offers ${offered}`, where);
          }
        }
        filters.get(type)?.push(searchCriteria(`${type}?${query}`, context, where));
      }
    });
  const heartbeat = channelNumber(subscription, BACKPORT_EXTENSIONS.heartbeatPeriod);
  return {
    ...base,
    kind: 'topic',
    topic: topic.url,
    resourceTypes: [...topic.triggers.keys()],
    heartbeatMs: heartbeat ? heartbeat * 1000 : undefined,
    matches: (type, interaction: Interaction, subject) => {
      if (!ownMunicipality || !topic.triggers.get(type)?.has(interaction)) {
        return false;
      }
      const criteria = filters.get(type) ?? [];
      if (criteria.length === 0) {
        return true;
      }
      const version = subject();
      return criteria.every((c) => c.matches(version));
    },
  };
}

/** A percent-encoded filter value; a malformed one is the subscriber's error, not the server's. */
function decoded(value: string, where: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new SubscriptionError(`Malformed percent-encoding in "${value}"`, where);
  }
}

/** A search, as the search engine would parse it; what it would refuse names the element. */
function searchCriteria(text: string | undefined, context: CompileContext, where: string): Criteria {
  if (!text) {
    throw new SubscriptionError('Missing criteria: expected a search such as Observation?code=http://loinc.org|8867-4, or a topic URL', where);
  }
  try {
    return compileCriteria(text, context.registry, context.baseUrl);
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      throw new SubscriptionError(`Invalid criteria: ${err.outcome.issue?.[0]?.details?.text ?? 'not a valid search'}`, where);
    }
    throw err;
  }
}
