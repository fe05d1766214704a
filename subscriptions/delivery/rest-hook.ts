import type { Bundle, Subscription } from '@medplum/fhirtypes';
import { Agent, request } from 'undici';
import type { EventForDelivery } from '../event-log.ts';
import type { StoredSubscription } from '../notification-bundle.ts';
import { notificationBundle } from '../notification-bundle.ts';
import { SIGNATURE_HEADER, signatureHeader } from '../signing.ts';
import { channelHeaders, isTopicBased, payloadContentOf, secretOf } from '../subscription-model.ts';

/**
 * A notification as an HTTP request. For R4 criteria subscriptions, as R4's rest-hook channel
 * describes: without a payload, a POST with no body to the endpoint (the receiver fetches what
 * changed); with a payload, the endpoint is a FHIR base and the version is PUT to it (a deletion
 * is a DELETE). For topic-based subscriptions, as the Backport IG describes: a notification
 * Bundle POSTed to the endpoint, for events, handshakes and heartbeats alike. Every request
 * carries the channel's headers, this server's notification headers, and the signature.
 */

/** Headers a receiver uses to drop duplicates (notification id) and notice gaps (event number). */
export const NOTIFICATION_HEADERS = {
  notificationId: 'x-knutepunkt-notification-id',
  eventNumber: 'x-knutepunkt-event-number',
  subscription: 'x-knutepunkt-subscription',
  interaction: 'x-knutepunkt-interaction',
  focus: 'x-knutepunkt-focus',
} as const;

export interface RestHookRequest {
  method: 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The request announcing one logged event. */
export function restHookRequest(subscription: StoredSubscription, event: EventForDelivery, baseUrl: string, now = Date.now()): RestHookRequest {
  const ours = {
    [NOTIFICATION_HEADERS.notificationId]: event.notificationId,
    [NOTIFICATION_HEADERS.eventNumber]: String(event.eventNumber),
    [NOTIFICATION_HEADERS.subscription]: `Subscription/${event.subscriptionId}`,
    [NOTIFICATION_HEADERS.interaction]: event.interaction,
    [NOTIFICATION_HEADERS.focus]: `${event.resourceType}/${event.resourceId}/_history/${event.version}`,
  };
  if (isTopicBased(subscription)) {
    const bundle = notificationBundle({
      subscription,
      type: 'event-notification',
      eventsSinceStart: event.eventsSinceStart,
      events: [event],
      content: payloadContentOf(subscription),
      baseUrl,
      id: event.notificationId,
      now,
    });
    return bundleRequest(subscription, bundle, ours, now);
  }
  const channel = subscription.channel;
  const endpoint = channel.endpoint as string;
  const headers = channelHeaderRecord(subscription);
  let method: RestHookRequest['method'] = 'POST';
  let url = endpoint;
  let body = '';
  if (channel.payload) {
    url = `${endpoint.replace(/\/+$/, '')}/${event.resourceType}/${encodeURIComponent(event.resourceId)}`;
    if (event.interaction === 'delete') {
      method = 'DELETE';
    } else {
      method = 'PUT';
      body = event.content ?? '';
      headers['content-type'] = channel.payload;
    }
  }
  return { method, url, headers: signed(subscription, { ...headers, ...ours }, body, now), body };
}

/** A handshake (on activation) or heartbeat (when nothing else was sent) of a topic-based subscription. */
export function signalRequest(
  subscription: StoredSubscription,
  kind: 'handshake' | 'heartbeat',
  eventsSinceStart: number,
  notificationId: string,
  baseUrl: string,
  now = Date.now()
): RestHookRequest {
  const bundle = notificationBundle({ subscription, type: kind, eventsSinceStart, content: 'empty', baseUrl, id: notificationId, now });
  return bundleRequest(
    subscription,
    bundle,
    { [NOTIFICATION_HEADERS.notificationId]: notificationId, [NOTIFICATION_HEADERS.subscription]: `Subscription/${subscription.id}` },
    now
  );
}

/** A notification Bundle POSTed to the endpoint as the payload type the subscription asked for. */
function bundleRequest(subscription: Subscription, bundle: Bundle, ours: Record<string, string>, now: number): RestHookRequest {
  const headers = channelHeaderRecord(subscription);
  headers['content-type'] = subscription.channel.payload ?? 'application/fhir+json';
  const body = JSON.stringify(bundle);
  return { method: 'POST', url: subscription.channel.endpoint as string, headers: signed(subscription, { ...headers, ...ours }, body, now), body };
}

function channelHeaderRecord(subscription: Subscription): Record<string, string> {
  return Object.fromEntries(channelHeaders(subscription).map(([name, value]) => [name.toLowerCase(), value]));
}

/** Our headers come last, so channel headers cannot impersonate them; then the signature. */
function signed(subscription: Subscription, headers: Record<string, string>, body: string, now: number): Record<string, string> {
  const secret = secretOf(subscription);
  if (secret) {
    headers[SIGNATURE_HEADER] = signatureHeader([secret], body, now);
  }
  return headers;
}

export type SendResult = { ok: true; status: number } | { ok: false; error: string };

/** Keeps connections to receivers open between notifications (undici's request: no fetch overhead). */
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

/** Sends the request; only a 2xx answer within the timeout is a delivery. Redirects are not followed. */
export async function sendRestHook(hook: RestHookRequest, timeoutMs: number): Promise<SendResult> {
  try {
    const response = await request(hook.url, {
      method: hook.method,
      headers: hook.headers,
      body: hook.method === 'DELETE' ? undefined : hook.body,
      dispatcher: agent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body means nothing to us, but must be consumed for the connection to be reused.
    await response.body.dump();
    if (response.statusCode >= 200 && response.statusCode < 300) {
      return { ok: true, status: response.statusCode };
    }
    return { ok: false, error: `HTTP ${response.statusCode}` };
  } catch (err) {
    const e = err as { name?: string; code?: string; message?: string };
    const reason = e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' ? `no answer within ${timeoutMs} ms` : (e.code ?? e.message ?? 'request failed');
    return { ok: false, error: reason };
  }
}
