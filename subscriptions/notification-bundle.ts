import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Parameters, ParametersParameter, Subscription } from '@medplum/fhirtypes';
import type { Interaction, PayloadContent } from './subscription-model.ts';
import { isTopicBased } from './subscription-model.ts';

/**
 * The Subscriptions Backport IG's notification shapes on R4, shared by delivery (event
 * notifications, handshakes, heartbeats) and by $status / $events: a SubscriptionStatus
 * Parameters (backport-subscription-status-r4) and the history Bundle whose first entry it is
 * (backport-subscription-notification-r4).
 */

export type NotificationType = 'handshake' | 'heartbeat' | 'event-notification' | 'query-status' | 'query-event';

/** One logged event and the version it announced. */
export interface NotifiedEvent {
  eventNumber: number;
  interaction: Interaction;
  occurredAt: string;
  resourceType: string;
  resourceId: string;
  version: number;
  /** The version's JSON text; undefined for a deletion. */
  content?: string;
}

export type StoredSubscription = Subscription & { id: string };

/** The SubscriptionStatus of one subscription, with the events a notification carries. */
export function statusParameters(
  subscription: StoredSubscription,
  type: NotificationType,
  eventsSinceStart: number,
  events: readonly NotifiedEvent[] = [],
  content: PayloadContent = 'id-only'
): Parameters {
  const parameter: ParametersParameter[] = [{ name: 'subscription', valueReference: { reference: `Subscription/${subscription.id}` } }];
  if (isTopicBased(subscription)) {
    parameter.push({ name: 'topic', valueCanonical: subscription.criteria });
  }
  parameter.push(
    { name: 'status', valueCode: subscription.status },
    { name: 'type', valueCode: type },
    { name: 'events-since-subscription-start', valueString: String(eventsSinceStart) },
    ...events.map((e) => notificationEvent(e, content))
  );
  if (subscription.error) {
    parameter.push({ name: 'error', valueCodeableConcept: { text: subscription.error } });
  }
  return { resourceType: 'Parameters', parameter };
}

/** An event in the status: its number and time, and (unless content is empty) its focus. */
function notificationEvent(event: NotifiedEvent, content: PayloadContent): ParametersParameter {
  const part: ParametersParameter[] = [
    { name: 'event-number', valueString: String(event.eventNumber) },
    { name: 'timestamp', valueInstant: event.occurredAt },
  ];
  if (content !== 'empty') {
    part.push({ name: 'focus', valueReference: { reference: `${event.resourceType}/${event.resourceId}/_history/${event.version}` } });
  }
  return { name: 'notification-event', part };
}

const METHOD = { create: 'POST', update: 'PUT', delete: 'DELETE' } as const;

/** The focus of an event as a history entry: the request that made it, and the resource when asked for. */
function eventEntry(event: NotifiedEvent, baseUrl: string, content: PayloadContent): BundleEntry {
  const entry: BundleEntry = {
    fullUrl: `${baseUrl}/${event.resourceType}/${event.resourceId}`,
    request: {
      method: METHOD[event.interaction],
      url: event.interaction === 'create' ? event.resourceType : `${event.resourceType}/${event.resourceId}`,
    },
    response: { status: event.interaction === 'create' ? '201' : '200', etag: `W/"${event.version}"` },
  };
  if (content === 'full-resource' && event.content) {
    entry.resource = JSON.parse(event.content);
  }
  return entry;
}

export interface NotificationBundleInput {
  subscription: StoredSubscription;
  type: NotificationType;
  eventsSinceStart: number;
  events?: readonly NotifiedEvent[];
  content: PayloadContent;
  /** The FHIR base of this server, for full URLs. */
  baseUrl: string;
  /** Bundle.id: the notification id, stable across redeliveries. */
  id?: string;
  now?: number;
}

/** A notification Bundle: history, the status first, then each event's focus unless content is empty. */
export function notificationBundle(input: NotificationBundleInput): Bundle {
  const events = input.events ?? [];
  const entry: BundleEntry[] = [
    {
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: statusParameters(input.subscription, input.type, input.eventsSinceStart, events, input.content),
      request: { method: 'GET', url: `${input.baseUrl}/Subscription/${input.subscription.id}/$status` },
      response: { status: '200' },
    },
  ];
  if (input.content !== 'empty') {
    entry.push(...events.map((e) => eventEntry(e, input.baseUrl, input.content)));
  }
  return {
    resourceType: 'Bundle',
    ...(input.id ? { id: input.id } : {}),
    type: 'history',
    timestamp: new Date(input.now ?? Date.now()).toISOString(),
    entry,
  };
}
