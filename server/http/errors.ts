import { getStatus, OperationOutcomeError } from '@medplum/core';
import { reportFault } from '../log.ts';
import { isConflict } from '../store/db/database.ts';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { FastifyError, FastifyInstance } from 'fastify';
import { FHIR_JSON, HttpError } from './negotiation.ts';
import { METHOD_NOT_ALLOWED } from '../fhir/repository.ts';

function outcome(code: string, text: string, expression?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: code as 'invalid', details: { text }, ...(expression ? { expression: [expression] } : {}) }],
  };
}

/** The HTTP status of an outcome: Medplum's mapping, and 405 for a method the resource type does not allow. */
export function statusOf(outcome: OperationOutcome): number {
  return outcome.id === METHOD_NOT_ALLOWED ? 405 : getStatus(outcome);
}

/** Fastify's own errors (body parsing, limits, media types) as status and OperationOutcome. */
function fromFastifyError(err: FastifyError): [number, OperationOutcome] | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return [413, outcome('too-long', 'Request body is larger than the server accepts')];
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return [415, outcome('not-supported', 'Unsupported media type: send application/fhir+json (XML is not supported)')];
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return [400, outcome('structure', err.message)];
    default:
      if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
        return [400, outcome('structure', `Malformed JSON: ${err.message}`)];
      }
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        return [err.statusCode, outcome('invalid', err.message)];
      }
      return undefined;
  }
}

/** Every error leaves as an OperationOutcome with its status; server faults are logged without request data. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    let status: number;
    let body: OperationOutcome;
    if (err instanceof HttpError) {
      [status, body] = [err.status, err.outcome];
    } else if (err instanceof OperationOutcomeError) {
      [status, body] = [statusOf(err.outcome), err.outcome];
    } else if (isConflict(err)) {
      [status, body] = [409, outcome('conflict', 'The request collided with another one changing the same data; retry it')];
    } else {
      const known = fromFastifyError(err);
      if (known) {
        [status, body] = known;
      } else {
        status = 500;
        body = outcome('exception', 'Internal server error');
        reportFault(err, `request ${req.id} failed`);
      }
    }
    return reply.code(status).type(`${FHIR_JSON}; charset=utf-8`).send(JSON.stringify(body));
  });
  app.setNotFoundHandler((_req, reply) => {
    reply.code(404).type(`${FHIR_JSON}; charset=utf-8`).send(JSON.stringify(outcome('not-found', 'No such endpoint')));
  });
}
