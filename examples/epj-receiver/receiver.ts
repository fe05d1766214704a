import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Bundle, BundleEntry, Parameters, Resource } from '@medplum/fhirtypes';
import { verifySignature } from '../../subscriptions/signing.ts';

/**
 * An example patient-record (EPJ) receiver for Knutepunkt's rest-hook notifications, of both kinds:
 * R4 criteria subscriptions (the event in headers, the version PUT or an empty POST) and
 * topic-based ones (a notification Bundle whose first entry is the subscription status). It shows
 * what a receiver must do:
 *   1. verify the signature over the raw body before trusting anything (401 otherwise);
 *   2. drop duplicates by notification id (delivery is at least once);
 *   3. fetch the version the notification names, from the FHIR API;
 *   4. "journal" it (here: a list in memory, and optionally one JSON line per entry in a file);
 *   5. notice gaps in the event numbers, and fetch what it missed with $status and $events.
 * Run it: FHIR_BASE=http://localhost:8080/fhir SUBSCRIPTION_SECRET=… PORT=9090 node examples/epj-receiver/receiver.ts
 */

export interface EpjReceiverOptions {
  /** The FHIR API to fetch from, e.g. http://localhost:8080/fhir */
  fhirBase: string;
  /** The subscription's signing secret (the subscription-secret extension). */
  secret: string;
  port?: number;
  /** Headers for the FHIR API (an Authorization header once tokens are required). */
  fhirHeaders?: Record<string, string>;
  /** Where log lines go: ids and numbers only, never health data. */
  log?: (line: Record<string, unknown>) => void;
}

export interface JournalEntry {
  subscription: string;
  eventNumber: number;
  /** Type/id/_history/version */
  focus: string;
  interaction: string;
  /** The version fetched; undefined for a deletion. */
  resource?: Resource;
  /** How it arrived: pushed by the server, or fetched by $events after a gap. */
  via: 'notification' | 'catch-up';
}

export class EpjReceiver {
  readonly journal: JournalEntry[] = [];
  /** Notification ids already handled. */
  private readonly seen = new Set<string>();
  /** Per subscription: the event numbers journaled. */
  private readonly numbers = new Map<string, Set<number>>();
  private readonly options: EpjReceiverOptions;
  private server: Server | undefined;
  url = '';

  constructor(options: EpjReceiverOptions) {
    this.options = options;
  }

  async start(port = this.options.port ?? 0): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => {
        this.log({ msg: 'notification failed', error: err.message });
        res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  /** Logs the numbers missing so far; one may still be on its way (notifications can overtake each other). */
  private logGaps(subscription: string): void {
    const missing = this.gaps(subscription);
    if (missing.length) {
      this.log({ msg: 'gap in event numbers', subscription, missing });
    }
  }

  /** Event numbers missing below the highest journaled one, per subscription. */
  gaps(subscription: string): number[] {
    const have = this.numbers.get(subscription) ?? new Set<number>();
    const highest = Math.max(0, ...have);
    const missing: number[] = [];
    for (let n = 1; n < highest; n++) {
      if (!have.has(n)) {
        missing.push(n);
      }
    }
    return missing;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);
    const header = (name: string): string | undefined => req.headers[name] as string | undefined;
    // 1. Nothing is trusted before the signature holds over the exact bytes received.
    const verified = verifySignature(this.options.secret, header('x-knutepunkt-signature'), body);
    if (!verified.valid) {
      this.log({ msg: 'refused notification', reason: verified.reason });
      res.writeHead(401).end();
      return;
    }
    const notificationId = header('x-knutepunkt-notification-id') ?? '';
    const subscription = (header('x-knutepunkt-subscription') ?? '').replace(/^Subscription\//, '');
    if (req.method === 'POST' && body.length > 0) {
      await this.handleBundle(subscription, notificationId, JSON.parse(body.toString('utf8')) as Bundle);
      res.writeHead(200).end();
      return;
    }
    const eventNumber = Number(header('x-knutepunkt-event-number'));
    const focus = header('x-knutepunkt-focus') ?? '';
    const interaction = header('x-knutepunkt-interaction') ?? '';
    // 2. At least once: a repeat is acknowledged and dropped.
    if (this.seen.has(notificationId) || this.numbers.get(subscription)?.has(eventNumber)) {
      this.log({ msg: 'duplicate dropped', notificationId, eventNumber });
      res.writeHead(200).end();
      return;
    }
    // 3. and 4. Fetch the version named, then journal it; answer 2xx only once it is journaled.
    const resource = interaction === 'delete' ? undefined : await this.fetch<Resource>(focus);
    this.record({ subscription, eventNumber, focus, interaction, resource, via: 'notification' });
    this.seen.add(notificationId);
    res.writeHead(200).end();
    // 5. A number skipped may still be on its way (notifications can overtake each other).
    this.logGaps(subscription);
  }

  /**
   * A topic-based notification: a handshake or heartbeat is acknowledged; each event is journaled
   * with its focus from the Bundle (full-resource), fetched (id-only), or, when the subscription
   * sends no content, looked up by its number with $events and then fetched.
   */
  private async handleBundle(subscription: string, notificationId: string, bundle: Bundle): Promise<void> {
    const status = bundle.entry?.[0]?.resource as Parameters | undefined;
    const type = status?.parameter?.find((p) => p.name === 'type')?.valueCode;
    if (type !== 'event-notification') {
      this.log({ msg: `${type ?? 'unknown'} received`, subscription });
      return;
    }
    if (this.seen.has(notificationId)) {
      this.log({ msg: 'duplicate dropped', notificationId });
      return;
    }
    const included = new Map((bundle.entry ?? []).slice(1).map((e) => [versionOf(e), e]));
    for (const event of status?.parameter?.filter((p) => p.name === 'notification-event') ?? []) {
      const eventNumber = Number(event.part?.find((p) => p.name === 'event-number')?.valueString);
      if (this.numbers.get(subscription)?.has(eventNumber)) {
        this.log({ msg: 'duplicate dropped', notificationId, eventNumber });
        continue;
      }
      let focus = event.part?.find((p) => p.name === 'focus')?.valueReference?.reference;
      let entry = focus ? included.get(focus) : undefined;
      if (!focus) {
        // Content "empty": the Bundle names no resource; ask the server which one it was.
        const lookup = await this.fetch<Bundle>(`Subscription/${subscription}/$events?eventsSinceNumber=${eventNumber}&eventsUntilNumber=${eventNumber}&content=id-only`);
        entry = lookup.entry?.[1];
        focus = entry ? versionOf(entry) : '';
      }
      const resource = entry?.resource ?? (await this.fetch<Resource>(focus));
      this.record({ subscription, eventNumber, focus, interaction: interactionOf(entry), resource, via: 'notification' });
    }
    this.seen.add(notificationId);
    this.logGaps(subscription);
  }

  /**
   * Fetches what the server recorded for the subscription and this receiver has not journaled:
   * $status says how many events there have been, $events returns the ones missing.
   */
  async catchUp(subscription: string): Promise<number> {
    const status = await this.fetch<Bundle>(`Subscription/${subscription}/$status`);
    const parameters = status.entry?.[0]?.resource as Parameters;
    const total = Number(parameters.parameter?.find((p) => p.name === 'events-since-subscription-start')?.valueString ?? 0);
    const have = this.numbers.get(subscription) ?? new Set<number>();
    const first = [...Array(total).keys()].map((i) => i + 1).find((n) => !have.has(n));
    if (first === undefined) {
      return 0;
    }
    const events = await this.fetch<Bundle>(
      `Subscription/${subscription}/$events?eventsSinceNumber=${first}&eventsUntilNumber=${total}&content=full-resource`
    );
    const notification = events.entry?.[0]?.resource as Parameters;
    // Entries after the status are the versions: fullUrl names the resource, the ETag its version.
    const entries = new Map((events.entry ?? []).slice(1).map((e) => [versionOf(e), e]));
    let fetched = 0;
    for (const event of notification.parameter?.filter((p) => p.name === 'notification-event') ?? []) {
      const eventNumber = Number(event.part?.find((p) => p.name === 'event-number')?.valueString);
      const focus = event.part?.find((p) => p.name === 'focus')?.valueReference?.reference ?? '';
      if (have.has(eventNumber)) {
        continue;
      }
      const entry = entries.get(focus);
      this.record({
        subscription,
        eventNumber,
        focus,
        interaction: interactionOf(entry),
        resource: entry?.resource,
        via: 'catch-up',
      });
      fetched++;
    }
    this.log({ msg: 'caught up', subscription, fetched });
    return fetched;
  }

  private record(entry: JournalEntry): void {
    const numbers = this.numbers.get(entry.subscription) ?? new Set<number>();
    numbers.add(entry.eventNumber);
    this.numbers.set(entry.subscription, numbers);
    this.journal.push(entry);
    this.log({ msg: 'journaled', subscription: entry.subscription, eventNumber: entry.eventNumber, focus: entry.focus, via: entry.via });
  }

  private async fetch<T>(path: string): Promise<T> {
    const response = await fetch(`${this.options.fhirBase}/${path}`, {
      headers: { accept: 'application/fhir+json', ...this.options.fhirHeaders },
    });
    if (!response.ok) {
      throw new Error(`GET ${path.split('?')[0]}: HTTP ${response.status}`);
    }
    return (await response.json()) as T;
  }

  private log(line: Record<string, unknown>): void {
    (this.options.log ?? ((l) => process.stdout.write(`${JSON.stringify(l)}\n`)))(line);
  }
}

/** A history entry's version as `Type/id/_history/n`: fullUrl names the resource, the ETag its version. */
function versionOf(entry: BundleEntry): string {
  const version = /\d+/.exec(entry.response?.etag ?? '')?.[0];
  return `${(entry.fullUrl ?? '').split('/').slice(-2).join('/')}/_history/${version}`;
}

/** The interaction a history entry records, by its request method. */
function interactionOf(entry: BundleEntry | undefined): string {
  return entry?.request?.method === 'DELETE' ? 'delete' : entry?.request?.method === 'POST' ? 'create' : 'update';
}

if (import.meta.main) {
  const { FHIR_BASE, SUBSCRIPTION_SECRET, PORT } = process.env;
  if (!FHIR_BASE || !SUBSCRIPTION_SECRET) {
    process.stderr.write('Set FHIR_BASE and SUBSCRIPTION_SECRET (and PORT, default 9090)\n');
    process.exit(2);
  }
  const receiver = await new EpjReceiver({ fhirBase: FHIR_BASE, secret: SUBSCRIPTION_SECRET }).start(Number(PORT ?? 9090));
  process.stdout.write(`${JSON.stringify({ msg: 'EPJ receiver listening', url: receiver.url })}\n`);
}
