import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { queryRecord } from '../fhir/search-request.ts';

export const FHIR_JSON = 'application/fhir+json';

const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'fhir+json']);
const XML_FORMATS = new Set(['xml', 'text/xml', 'application/xml', 'application/fhir+xml']);

function outcome(code: string, text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: code as 'not-supported', details: { text } }] };
}

/** An error answered with its own HTTP status. */
export class HttpError extends OperationOutcomeError {
  readonly status: number;
  constructor(status: number, outcomeCode: string, text: string) {
    super(outcome(outcomeCode, text));
    this.status = status;
  }
}

/**
 * The media type of the response: FHIR JSON unless the client asked for plain JSON. A request
 * for XML (by `_format` or Accept) is a 406 until XML is supported.
 */
export function responseType(req: FastifyRequest): string {
  const format = (req.query as Record<string, unknown> | undefined)?._format;
  if (typeof format === 'string') {
    const f = format.trim().toLowerCase().split(';')[0];
    if (XML_FORMATS.has(f)) {
      throw new HttpError(406, 'not-supported', 'XML is not supported; ask for JSON (_format=json)');
    }
    if (!JSON_FORMATS.has(f)) {
      throw new HttpError(406, 'not-supported', `_format "${format}" is not supported; use json`);
    }
    return f === 'application/json' ? 'application/json' : FHIR_JSON;
  }
  const accept = req.headers.accept;
  if (!accept) {
    return FHIR_JSON;
  }
  const types = accept.split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  if (types.some((t) => t === FHIR_JSON || t === 'application/*' || t === '*/*' || t === 'application/fhir+json')) {
    return FHIR_JSON;
  }
  if (types.includes('application/json')) {
    return 'application/json';
  }
  if (types.some((t) => t.endsWith('xml'))) {
    throw new HttpError(406, 'not-supported', 'XML is not supported; ask for application/fhir+json');
  }
  throw new HttpError(406, 'not-supported', `None of the accepted types (${accept}) can be produced; use application/fhir+json`);
}

/** Registers body parsers for FHIR JSON, JSON Patch and form-encoded search bodies. */
export function registerBodyParsers(app: FastifyInstance): void {
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser([FHIR_JSON, 'application/json-patch+json'], { parseAs: 'string' }, jsonParser);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, queryRecord(body as string));
  });
}
