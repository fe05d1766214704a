import type { Subscription } from '@medplum/fhirtypes';
import type { Criteria } from '../server/store/search/matcher.ts';

/** Extensions of this server's Subscriptions (profiles/extensions/subscription.fsh). */
export const SECRET_EXTENSION = 'https://knutepunkt.dev/fhir/StructureDefinition/subscription-secret';
export const INTERACTION_EXTENSION = 'https://knutepunkt.dev/fhir/StructureDefinition/subscription-interaction';

/** Shortest signing secret accepted: 32 characters of a random token carry at least 192 bits. */
export const MIN_SECRET_LENGTH = 32;

export type Interaction = 'create' | 'update' | 'delete';

/** A Subscription as the relay and delivery read it, compiled once per version. */
export interface LiveSubscription {
  tenant: string;
  id: string;
  status: Subscription['status'];
  criteria: Criteria;
  interactions: ReadonlySet<Interaction>;
  /** Subscription.end as epoch milliseconds: no notifications after it. */
  end?: number;
}

/** The writes that notify: the interaction extensions, or create and update when there are none. */
export function interactionsOf(subscription: Subscription): Set<Interaction> {
  const listed = (subscription.extension ?? [])
    .filter((e) => e.url === INTERACTION_EXTENSION && e.valueCode)
    .map((e) => e.valueCode as Interaction);
  return new Set<Interaction>(listed.length ? listed : ['create', 'update']);
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
