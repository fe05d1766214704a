import type { Subscription } from '@medplum/fhirtypes';
import type { EventForDelivery } from '../event-log.ts';
import { SIGNATURE_HEADER, signatureHeader } from '../signing.ts';
import { channelHeaders, secretOf } from '../subscription-model.ts';

/**
 * A notification as the HTTP request R4's rest-hook channel describes: without a payload, a POST
 * with no body to the endpoint (the receiver fetches what changed); with a payload, the endpoint is
 * a FHIR base and the version is PUT to it (a deletion is a DELETE). Every request carries the
 * channel's headers, this server's notification headers, and the signature.
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

export function restHookRequest(subscription: Subscription, event: EventForDelivery, now = Date.now()): RestHookRequest {
  const channel = subscription.channel;
  const endpoint = channel.endpoint as string;
  const headers: Record<string, string> = {};
  for (const [name, value] of channelHeaders(subscription)) {
    headers[name.toLowerCase()] = value;
  }
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
  // Ours last, so channel headers cannot impersonate them.
  headers[NOTIFICATION_HEADERS.notificationId] = event.notificationId;
  headers[NOTIFICATION_HEADERS.eventNumber] = String(event.eventNumber);
  headers[NOTIFICATION_HEADERS.subscription] = `Subscription/${event.subscriptionId}`;
  headers[NOTIFICATION_HEADERS.interaction] = event.interaction;
  headers[NOTIFICATION_HEADERS.focus] = `${event.resourceType}/${event.resourceId}/_history/${event.version}`;
  const secret = secretOf(subscription);
  if (secret) {
    headers[SIGNATURE_HEADER] = signatureHeader([secret], body, now);
  }
  return { method, url, headers, body };
}

export type SendResult = { ok: true; status: number } | { ok: false; error: string };

/** Sends the request; only a 2xx answer within the timeout is a delivery. */
export async function sendRestHook(request: RestHookRequest, timeoutMs: number): Promise<SendResult> {
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.method === 'PUT' ? request.body : request.method === 'POST' ? '' : undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body is not read for anything, but must be consumed for the connection to be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) {
      return { ok: true, status: response.status };
    }
    return { ok: false, error: `HTTP ${response.status}` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    const name = (err as Error).name;
    const reason = name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : cause ?? (err as Error).message;
    return { ok: false, error: reason };
  }
}
