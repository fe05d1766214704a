import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';

/** One request as the receiver saw it, with the raw body. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status it was answered with. */
  status: number;
  at: number;
}

/**
 * A real HTTP receiver on a loopback port for delivery tests: it records every request and
 * answers with the statuses it is told to (then 200), so tests can script a failing receiver.
 */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** Statuses to answer with, in order; when empty, 200. */
  readonly script: number[] = [];
  /** Statuses to answer requests to one path with, before `script` (other tests' requests pass by). */
  readonly scriptFor = new Map<string, number[]>();
  /** Answers every request with this status while set (a receiver that is down). */
  failing: number | undefined;
  /** Waits this long before answering (a slow receiver). */
  delayMs = 0;
  /** Waits this long before answering requests to one path. */
  readonly delayFor = new Map<string, number>();
  private server: Server | undefined;
  private waiters: (() => void)[] = [];
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const delay = this.delayFor.get(req.url ?? '') ?? this.delayMs;
        if (delay) {
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
        const status = this.failing ?? this.scriptFor.get(req.url ?? '')?.shift() ?? this.script.shift() ?? 200;
        this.requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          status,
          at: Date.now(),
        });
        res.writeHead(status).end();
        for (const wake of this.waiters.splice(0)) {
          wake();
        }
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  /** Resolves once `predicate` holds over the requests received, or rejects after `timeoutMs`. */
  async waitFor(predicate: (requests: ReceivedRequest[]) => boolean, timeoutMs = 10_000): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.requests)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`receiver: condition not met within ${timeoutMs} ms (${this.requests.length} requests received)`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.requests;
  }

  /** Requests carrying this notification header value (e.g. of one subscription). */
  of(subscriptionId: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.headers['x-knutepunkt-subscription'] === `Subscription/${subscriptionId}`);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections(); // the sender keeps connections alive
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
