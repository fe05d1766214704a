import type { Extension, Subscription } from '@medplum/fhirtypes';
import type { MatchSubject } from '../server/store/search/condition-match.ts';

/** Extensions of this server's Subscriptions (profiles/extensions/subscription.fsh). */
export const SECRET_EXTENSION = 'https://knutepunkt.dev/fhir/StructureDefinition/subscription-secret';
export const INTERACTION_EXTENSION = 'https://knutepunkt.dev/fhir/StructureDefinition/subscription-interaction';

/** The Subscriptions R5 Backport IG's extensions a topic-based Subscription uses. */
const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/';
export const BACKPORT_EXTENSIONS = {
  filterCriteria: `${BACKPORT}backport-filter-criteria`,
  payloadContent: `${BACKPORT}backport-payload-content`,
  heartbeatPeriod: `${BACKPORT}backport-heartbeat-period`,
  timeout: `${BACKPORT}backport-timeout`,
  maxCount: `${BACKPORT}backport-max-count`,
} as const;

/** How much of the resource a notification carries (Backport IG content codes). */
export type PayloadContent = 'empty' | 'id-only' | 'full-resource';

/** Shortest signing secret accepted: 32 characters of a random token carry at least 192 bits. */
export const MIN_SECRET_LENGTH = 32;

export type Interaction = 'create' | 'update' | 'delete';

/**
 * A Subscription as the relay reads it, compiled once per version (compile.ts): R4 criteria
 * (`Observation?code=…`) or a topic of this server with Backport IG filters.
 */
export interface LiveSubscription {
  tenant: string;
  id: string;
  versionId: string;
  status: Subscription['status'];
  kind: 'criteria' | 'topic';
  /** The topic's canonical URL, for a topic-based subscription. */
  topic?: string;
  /** The resource types whose writes can notify it. */
  resourceTypes: readonly string[];
  /** True when this write of a resource of this type notifies, given the version it concerns. */
  matches(resourceType: string, interaction: Interaction, subject: () => MatchSubject & { resourceType: string }): boolean;
  /** Subscription.end as epoch milliseconds: no notifications after it. */
  end?: number;
  /** How often a heartbeat is due when nothing else was sent (topic-based only). */
  heartbeatMs?: number;
}

/** The writes that notify: the interaction extensions, or create and update when there are none. */
export function interactionsOf(subscription: Subscription): Set<Interaction> {
  const listed = (subscription.extension ?? [])
    .filter((e) => e.url === INTERACTION_EXTENSION && e.valueCode)
    .map((e) => e.valueCode as Interaction);
  return new Set<Interaction>(listed.length ? listed : ['create', 'update']);
}

/**
 * The extensions on a primitive element: FHIR JSON keeps them beside it, in `_criteria` for
 * `criteria`, which the generated types leave out.
 */
export function primitiveExtensions(holder: object, element: string): Extension[] {
  const shadow = (holder as Record<string, { extension?: Extension[] } | undefined>)[`_${element}`];
  return shadow?.extension ?? [];
}

/** A topic-based subscription names a topic's canonical URL in criteria, not a search (`Type?…`). */
export function isTopicBased(subscription: Subscription): boolean {
  return /^https?:\/\/[^?]+$/.test(subscription.criteria ?? '');
}

/** The payload content of a topic-based subscription; id-only when not said (the least health data). */
export function payloadContentOf(subscription: Subscription): PayloadContent {
  const code = primitiveExtensions(subscription.channel ?? {}, 'payload').find((e) => e.url === BACKPORT_EXTENSIONS.payloadContent)?.valueCode;
  return (code as PayloadContent | undefined) ?? 'id-only';
}

/** A channel extension's unsignedInt / positiveInt value. */
export function channelNumber(subscription: Subscription, url: string): number | undefined {
  const extension = subscription.channel?.extension?.find((e) => e.url === url);
  return extension?.valueUnsignedInt ?? extension?.valuePositiveInt;
}

export function secretOf(subscription: Subscription): string | undefined {
  return subscription.extension?.find((e) => e.url === SECRET_EXTENSION)?.valueString;
}

/** channel.header entries (`Name: value`) as header pairs. */
export function channelHeaders(subscription: Subscription): [string, string][] {
  return (subscription.channel?.header ?? []).map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
  });
}

/** True when the subscription takes notifications now: active and not past its end. */
export function isLive(subscription: LiveSubscription, now = Date.now()): boolean {
  return subscription.status === 'active' && (subscription.end === undefined || subscription.end > now);
}
