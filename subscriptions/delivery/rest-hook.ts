import type { Subscription } from '@medplum/fhirtypes';
import { Agent, request } from 'undici';
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
