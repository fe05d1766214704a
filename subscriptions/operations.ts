import { randomUUID } from 'node:crypto';
import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Bundle, BundleEntry, Parameters, ParametersParameter, Subscription } from '@medplum/fhirtypes';
import type { Database } from '../server/store/db/database.ts';
import type { LoggedEvent } from './event-log.ts';
import { eventCounts, eventsInRange } from './event-log.ts';

/**
 * The Subscriptions Backport IG's `$status` and `$events` on R4 Subscriptions, so a receiver that
 * was away can see how far the server got (events-since-subscription-start, status, error) and
 * fetch the notifications it missed by event number.
 */

/** Most events one $events call returns; ask again from the last number for more. */
export const MAX_EVENTS_PER_CALL = 1000;

export type EventsContent = 'empty' | 'id-only' | 'full-resource';

/** The SubscriptionStatus Parameters (backport-subscription-status-r4) of one subscription. */
function statusParameters(
  subscription: Subscription & { id: string },
  type: 'query-status' | 'query-event',
  eventsSinceStart: number,
  events: readonly ParametersParameter[] = []
): Parameters {
  const parameter: ParametersParameter[] = [
    { name: 'subscription', valueReference: { reference: `Subscription/${subscription.id}` } },
    { name: 'status', valueCode: subscription.status },
    { name: 'type', valueCode: type },
    { name: 'events-since-subscription-start', valueString: String(eventsSinceStart) },
    ...events,
  ];
  if (subscription.error) {
    parameter.push({ name: 'error', valueCodeableConcept: { text: subscription.error } });
  }
  return { resourceType: 'Parameters', parameter };
}

/** `$status`: the status of the subscriptions named (instance level: one), as a searchset Bundle. */
export async function statusOperation(
  db: Database,
  tenant: string,
  subscriptions: readonly (Subscription & { id: string })[]
): Promise<Bundle> {
  const counts = await eventCounts(db, tenant, subscriptions.map((s) => s.id));
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: subscriptions.length,
    entry: subscriptions.map((s) => ({
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: statusParameters(s, 'query-status', counts.get(s.id) ?? 0),
      search: { mode: 'match' },
    })),
  };
}

/** The $events parameters, checked: positive event numbers in order, a known content code. */
export function eventsRange(
  query: Record<string, unknown>,
  subscription: Subscription
): { since: number; until: number; content: EventsContent } {
  const number = (name: string): number | undefined => {
    const raw = query[name];
    if (raw === undefined) {
      return undefined;
    }
    if (typeof raw !== 'string' || !/^[1-9]\d{0,15}$/.test(raw)) {
      throw new OperationOutcomeError(badRequest(`${name} must be a positive integer`, name));
    }
    return Number(raw);
  };
  const since = number('eventsSinceNumber') ?? 1;
  const until = number('eventsUntilNumber') ?? Number.MAX_SAFE_INTEGER;
  if (until < since) {
    throw new OperationOutcomeError(badRequest('eventsUntilNumber must not be below eventsSinceNumber', 'eventsUntilNumber'));
  }
  const raw = query.content ?? (subscription.channel.payload ? 'full-resource' : 'id-only');
  if (raw !== 'empty' && raw !== 'id-only' && raw !== 'full-resource') {
    throw new OperationOutcomeError(badRequest('content must be empty, id-only or full-resource', 'content'));
  }
  return { since, until, content: raw };
}

/**
 * `$events`: a notification Bundle (history; first entry the status Parameters of type
 * query-event) with the events in the range, as the notifications carried them.
 */
export async function eventsOperation(
  db: Database,
  tenant: string,
  baseUrl: string,
  subscription: Subscription & { id: string },
  range: { since: number; until: number; content: EventsContent }
): Promise<Bundle> {
  const events = await eventsInRange(db, tenant, subscription.id, range.since, range.until, MAX_EVENTS_PER_CALL);
  const counts = await eventCounts(db, tenant, [subscription.id]);
  const notificationEvents = events.map((e) => notificationEvent(e, range.content));
  const status = statusParameters(subscription, 'query-event', counts.get(subscription.id) ?? 0, notificationEvents);
  const entry: BundleEntry[] = [
    {
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: status,
      request: { method: 'GET', url: `${baseUrl}/Subscription/${subscription.id}/$status` },
      response: { status: '200' },
    },
  ];
  if (range.content !== 'empty') {
    for (const e of events) {
      entry.push(eventEntry(e, baseUrl, range.content));
    }
  }
  return { resourceType: 'Bundle', type: 'history', timestamp: new Date().toISOString(), entry };
}

function notificationEvent(event: LoggedEvent, content: EventsContent): ParametersParameter {
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

function eventEntry(event: LoggedEvent, baseUrl: string, content: EventsContent): BundleEntry {
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
