import type { OperationOutcomeIssue, Subscription } from '@medplum/fhirtypes';
import type { CompileContext } from './compile.ts';
import { compileSubscription, SubscriptionError } from './compile.ts';
import {
  BACKPORT_EXTENSIONS,
  isTopicBased,
  MIN_SECRET_LENGTH,
  primitiveExtensions,
  SECRET_EXTENSION,
} from './subscription-model.ts';

/**
 * What a Subscription must be before it is stored: a subscription that could never deliver is
 * refused at create time with a 422 naming the element, not left to fail silently later.
 */

/** The search parameters and topics criteria are compiled with, exactly as the relay compiles them. */
export interface AdmissionPolicy extends CompileContext {
  /** Hosts a subscription may reach over plain http (SUBSCRIPTION_ALLOWED_HOSTS); the rest need https. */
  allowedHosts: readonly string[];
}

/** Payload MIME types a rest-hook can carry; absent means a notification without a body (R4 criteria only). */
const PAYLOADS = new Set(['application/fhir+json', 'application/json']);
const CONTENTS = new Set(['empty', 'id-only', 'full-resource']);
/** An HTTP header as R4 writes it in channel.header: `Name: value`. */
const HEADER = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[ \t]*[^\r\n]*$/;

function issue(text: string, expression: string): OperationOutcomeIssue {
  return { severity: 'error', code: 'business-rule', details: { text }, expression: [expression] };
}

/** The problems of a Subscription that would keep it from ever delivering; empty when there are none. */
export function subscriptionIssues(subscription: Subscription, policy: AdmissionPolicy): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  try {
    compileSubscription('', subscription, policy);
  } catch (err) {
    if (!(err instanceof SubscriptionError)) {
      throw err;
    }
    issues.push(issue(err.message, err.expression));
  }
  const secretIssue = checkSecret(subscription);
  if (secretIssue) {
    issues.push(issue(secretIssue, 'Subscription.extension'));
  }
  const channel = subscription.channel;
  if (channel?.type !== 'rest-hook') {
    issues.push(issue(`Channel type "${channel?.type}" is not supported: this server delivers by rest-hook`, 'Subscription.channel.type'));
    return issues;
  }
  const endpointIssue = checkEndpoint(channel.endpoint, policy.allowedHosts);
  if (endpointIssue) {
    issues.push(issue(endpointIssue, 'Subscription.channel.endpoint'));
  }
  if (channel.payload !== undefined && !PAYLOADS.has(channel.payload)) {
    issues.push(issue(`Payload "${channel.payload}" is not supported: expected application/fhir+json, or none for a notification without a body`, 'Subscription.channel.payload'));
  }
  if (isTopicBased(subscription)) {
    issues.push(...topicChannelIssues(subscription));
  }
  channel.header?.forEach((header, i) => {
    if (!HEADER.test(header)) {
      issues.push(issue('Expected an HTTP header written as "Name: value"', `Subscription.channel.header[${i}]`));
    }
  });
  return issues;
}

/** A topic-based subscription is sent notification Bundles, with the content and timing it asks for. */
function topicChannelIssues(subscription: Subscription): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const channel = subscription.channel;
  if (!channel.payload) {
    issues.push(issue('A topic-based subscription needs channel.payload application/fhir+json: its notifications are Bundles', 'Subscription.channel.payload'));
  }
  const contents = primitiveExtensions(channel, 'payload').filter((e) => e.url === BACKPORT_EXTENSIONS.payloadContent);
  if (contents.length > 1 || (contents.length === 1 && !CONTENTS.has(contents[0].valueCode ?? ''))) {
    issues.push(issue('Expected one payload content: empty, id-only or full-resource', 'Subscription.channel.payload.extension'));
  }
  for (const [name, url] of [['heartbeat period', BACKPORT_EXTENSIONS.heartbeatPeriod], ['timeout', BACKPORT_EXTENSIONS.timeout]] as const) {
    const value = channel.extension?.find((e) => e.url === url)?.valueUnsignedInt;
    if (value !== undefined && value < 1) {
      issues.push(issue(`The ${name} must be at least 1 second`, 'Subscription.channel.extension'));
    }
  }
  return issues;
}

/** A rest-hook endpoint: an absolute https URL, or http to a host the server is configured to allow. */
function checkEndpoint(endpoint: string | undefined, allowedHosts: readonly string[]): string | undefined {
  if (!endpoint) {
    return 'Missing endpoint: a rest-hook needs the URL to deliver to';
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `Endpoint "${endpoint}" is not an absolute URL`;
  }
  if (url.username || url.password) {
    return 'Endpoint may not carry credentials in the URL: send them in channel.header';
  }
  if (url.protocol === 'https:') {
    return undefined;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol === 'http:' && allowedHosts.includes(host)) {
    return undefined;
  }
  if (url.protocol === 'http:') {
    return `Endpoint must use https; plain http is allowed only to hosts in SUBSCRIPTION_ALLOWED_HOSTS, and ${host} is not one of them`;
  }
  return `Endpoint must be an https URL, not ${url.protocol.replace(':', '')}`;
}

/** Every notification is signed, so every subscription needs its own secret, once. */
function checkSecret(subscription: Subscription): string | undefined {
  const secrets = (subscription.extension ?? []).filter((e) => e.url === SECRET_EXTENSION);
  if (secrets.length === 0) {
    return `Missing signing secret: add the extension ${SECRET_EXTENSION} with at least ${MIN_SECRET_LENGTH} random characters`;
  }
  if (secrets.length > 1) {
    return 'Only one signing secret may be given';
  }
  const secret = secrets[0].valueString ?? '';
  if (secret.length < MIN_SECRET_LENGTH || secret.trim() !== secret) {
    return `The signing secret must be at least ${MIN_SECRET_LENGTH} characters, without surrounding spaces`;
  }
  return undefined;
}
