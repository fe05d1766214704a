import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { TypedValue } from './engine.ts';
import { evaluateEach } from './engine.ts';

/**
 * `$fhirpath` with a time budget. A developer's expression can cost anything (`combine()` nested,
 * `repeat()` or `descendants()` over a large resource), and fhirpath.js evaluates synchronously: on
 * the server's event loop it would hold every other request up for as long as it runs. So it runs
 * in a worker thread (worker.ts); when the budget passes the worker is terminated, the request is
 * answered 400 `too-costly` naming the expression (as a search past SEARCH_TIMEOUT_MS is), and a
 * new worker is started in its place. Workers are started when first needed and kept for the next
 * expression: at most one per core and never more than two, since a runaway expression holds its
 * core for the whole budget. Requests beyond them wait in a short queue (two per worker, so a request
 * is answered within about three budgets however busy the pool is); when it is full, a request is
 * turned away at once (FhirPathBusyError, a 503 with Retry-After).
 */

/**
 * The largest answer a worker sends back, as JSON text: parsing it and writing the Parameters
 * around it happen on the event loop, so values beyond this are too-costly as well.
 */
export const MAX_VALUES_MB = 16;

/** What the server's thread sends a worker: one expression and a page of resources as JSON text. */
export interface EvaluationRequest {
  id: number;
  expression: string;
  resources: string[];
}

/** What a worker answers: ready once loaded, then per request the values (as JSON text) or why not. */
export type EvaluationAnswer =
  | { ready: true }
  | { id: number; values: string }
  | { id: number; outcome: OperationOutcome }
  | { id: number; fault: string };

/** Evaluates an expression over resources given as JSON text: the typed values of each, in order. */
export interface FhirPathEvaluator {
  evaluate(expression: string, resources: string[]): Promise<TypedValue[][]>;
  /** Ends the workers; requests still waiting or running fail. */
  close(): Promise<void>;
}

/**
 * The server's evaluator: a worker pool under a budget of `timeoutMs`, or with 0 (no budget) the
 * engine in the server's own thread, as before the budget existed (for development and measuring).
 */
export function fhirpathEvaluator(timeoutMs: number): FhirPathEvaluator {
  if (timeoutMs <= 0) {
    return { evaluate: async (expression, resources) => evaluateEach(expression, resources), close: async () => undefined };
  }
  return new FhirPathPool({ timeoutMs });
}

/** Every worker is busy and the queue of requests waiting for one is full. */
export class FhirPathBusyError extends Error {
  /** When a worker should be free again: one budget from now at most. */
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('$fhirpath is evaluating as many expressions as this server runs at once; retry in a moment');
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface FhirPathPoolOptions {
  /** How long one request's evaluation may run in its worker (FHIRPATH_TIMEOUT_MS). */
  timeoutMs: number;
  /** Workers at most; min(2, cores) by default. */
  size?: number;
  /** Requests waiting for a worker at most; two per worker by default. */
  maxQueue?: number;
  /** A worker's heap; an expression that needs more is cancelled like one that runs too long. */
  maxMemoryMb?: number;
}

interface Job {
  expression: string;
  resources: string[];
  resolve(values: TypedValue[][]): void;
  reject(err: unknown): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job?: { id: number; job: Job; deadline: NodeJS.Timeout };
  /** Why the worker failed, when it did ('error' comes before 'exit'). */
  failure?: Error;
}

const WORKER_URL = new URL('./worker.ts', import.meta.url);

export class FhirPathPool implements FhirPathEvaluator {
  private readonly timeoutMs: number;
  private readonly size: number;
  private readonly maxQueue: number;
  private readonly maxMemoryMb: number;
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: FhirPathPoolOptions) {
    this.timeoutMs = options.timeoutMs;
    this.size = options.size ?? Math.max(1, Math.min(2, availableParallelism()));
    this.maxQueue = options.maxQueue ?? 2 * this.size;
    this.maxMemoryMb = options.maxMemoryMb ?? 512;
  }

  evaluate(expression: string, resources: string[]): Promise<TypedValue[][]> {
    if (this.closed) {
      return Promise.reject(new Error('The $fhirpath workers are closed'));
    }
    // Waiting jobs beyond those the workers still to start (or starting) will take at once.
    const ready = [...this.slots].filter((slot) => slot.ready).length;
    if (this.queue.length >= this.maxQueue + Math.max(0, this.size - ready)) {
      return Promise.reject(this.busy());
    }
    return new Promise<TypedValue[][]>((resolve, reject) => {
      this.queue.push({ expression, resources, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const closing = new Error('The server is closing');
    for (const job of this.queue.splice(0)) {
      job.reject(closing);
    }
    const workers = [...this.slots].map((slot) => {
      this.release(slot)?.reject(closing);
      return slot.worker.terminate();
    });
    this.slots.clear();
    await Promise.all(workers);
  }

  /** Gives waiting jobs to ready workers, and starts workers (up to the size) for the rest. */
  private dispatch(): void {
    while (this.queue.length > 0) {
      const idle = [...this.slots].find((slot) => slot.ready && !slot.job);
      if (idle) {
        this.run(idle, this.queue.shift() as Job);
        continue;
      }
      const starting = [...this.slots].filter((slot) => !slot.ready).length;
      if (starting >= this.queue.length || this.slots.size >= this.size) {
        break;
      }
      this.start();
    }
    // A worker with work keeps the process alive; an idle one does not (the server decides when it ends).
    for (const slot of this.slots) {
      if (slot.job || (!slot.ready && this.queue.length > 0)) {
        slot.worker.ref();
      } else {
        slot.worker.unref();
      }
    }
  }

  private run(slot: Slot, job: Job): void {
    const id = this.nextId++;
    // The budget counts from here: the worker's start (loading the R4 model) is not the expression's.
    const deadline = setTimeout(() => this.cancel(slot), this.timeoutMs);
    slot.job = { id, job, deadline };
    slot.worker.postMessage({ id, expression: job.expression, resources: job.resources } satisfies EvaluationRequest);
  }

  private start(): void {
    const worker = new Worker(WORKER_URL, { name: 'fhirpath', resourceLimits: { maxOldGenerationSizeMb: this.maxMemoryMb } });
    const slot: Slot = { worker, ready: false };
    this.slots.add(slot);
    worker.on('message', (answer: EvaluationAnswer) => this.answered(slot, answer));
    worker.on('error', (err: unknown) => {
      slot.failure = err instanceof Error ? err : new Error(String(err));
    });
    worker.on('exit', () => this.exited(slot));
  }

  private answered(slot: Slot, answer: EvaluationAnswer): void {
    if ('ready' in answer) {
      slot.ready = true;
      this.dispatch();
      return;
    }
    if (slot.job?.id !== answer.id) {
      return;
    }
    const job = this.release(slot) as Job;
    if ('values' in answer) {
      job.resolve(JSON.parse(answer.values) as TypedValue[][]);
    } else if ('outcome' in answer) {
      job.reject(new OperationOutcomeError(answer.outcome));
    } else {
      job.reject(new Error(`$fhirpath evaluation failed: ${answer.fault}`));
    }
    this.dispatch();
  }

  /** The budget has passed: the worker is ended, the request answered, and a new worker started for the next. */
  private cancel(slot: Slot): void {
    const job = this.release(slot);
    this.slots.delete(slot);
    void slot.worker.terminate();
    this.start();
    job?.reject(tooCostly(`The expression ran longer than the limit of ${this.timeoutMs} ms and was cancelled: simplify it, or evaluate it over fewer resources (a smaller _count)`));
    this.dispatch();
  }

  /** A worker ended that the pool did not end: out of memory, or a fault. */
  private exited(slot: Slot): void {
    if (!this.slots.delete(slot)) {
      return; // cancelled or closed
    }
    const job = this.release(slot);
    const failure = slot.failure;
    if (slot.ready && !this.closed) {
      this.start();
    }
    if (job) {
      job.reject(
        (failure as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? tooCostly(`The expression needed more than the limit of ${this.maxMemoryMb} MB of memory and was cancelled: simplify it, or evaluate it over fewer resources (a smaller _count)`)
          : new Error(`The $fhirpath worker ended: ${failure?.message ?? 'without an error'}`)
      );
    } else if (!slot.ready && ![...this.slots].some((other) => other.ready)) {
      // A worker that cannot start would not start on a second try either: what waits for one fails.
      for (const waiting of this.queue.splice(0)) {
        waiting.reject(new Error(`The $fhirpath worker did not start: ${failure?.message ?? 'it ended'}`));
      }
    }
    this.dispatch();
  }

  private release(slot: Slot): Job | undefined {
    const running = slot.job;
    if (running) {
      clearTimeout(running.deadline);
      slot.job = undefined;
    }
    return running?.job;
  }

  private busy(): FhirPathBusyError {
    return new FhirPathBusyError(Math.ceil(this.timeoutMs / 1000));
  }
}

/** Answered as a search past its time limit is (store/resource-store.ts), naming the expression. */
export function tooCostlyOutcome(text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'too-costly', details: { text }, expression: ['expression'] }] };
}

function tooCostly(text: string): OperationOutcomeError {
  return new OperationOutcomeError(tooCostlyOutcome(text));
}
