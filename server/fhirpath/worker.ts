import { parentPort } from 'node:worker_threads';
import { OperationOutcomeError } from '@medplum/core';
import { evaluateEach } from './engine.ts';
import type { EvaluationAnswer, EvaluationRequest } from './pool.ts';
import { MAX_VALUES_MB, tooCostlyOutcome } from './pool.ts';

/**
 * A `$fhirpath` worker thread (pool.ts): evaluates one expression over a page of resources at a time,
 * off the server's event loop, so the pool can end it when it runs past its budget. The values leave
 * as JSON text: fhirpath.js's own objects (FP_Quantity, FP_DateTime) are already made JSON by the
 * engine, and the text is exactly what the operation would have serialised in the server's thread.
 */

const port = parentPort;
if (!port) {
  throw new Error('server/fhirpath/worker.ts runs as a worker thread of the $fhirpath pool');
}

port.on('message', ({ id, expression, resources }: EvaluationRequest) => {
  let answer: EvaluationAnswer;
  try {
    const values = JSON.stringify(evaluateEach(expression, resources));
    answer =
      values.length > MAX_VALUES_MB * 1024 * 1024
        ? { id, outcome: tooCostlyOutcome(`The values of the expression are larger than the limit of ${MAX_VALUES_MB} MB: select less, or evaluate it over fewer resources (a smaller _count)`) }
        : { id, values };
  } catch (err) {
    // The expression's own errors (a 400 naming it) go back as they are; anything else is a fault.
    answer = err instanceof OperationOutcomeError ? { id, outcome: err.outcome } : { id, fault: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(answer);
});

port.postMessage({ ready: true } satisfies EvaluationAnswer);
