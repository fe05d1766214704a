import type { Resource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PatientKey } from '../auth/need-to-know.ts';
import { patientOf } from '../auth/need-to-know.ts';
import { classify, decodedPath, SINGLE_WRITES } from '../audit/classify.ts';
import { WriteAudit } from '../audit/write-audit.ts';
import type { Services } from '../services.ts';
import { needsAuthentication } from './auth-routes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The AuditEvent of a single write, stored with the version it writes (audit/write-audit.ts). */
    writeAudit?: WriteAudit;
    /** What an operation read, when its answer does not carry the resources (whose patients go on record). */
    auditSubjects?: Resource[];
  }
}

/**
 * Every request to the FHIR API and the admin API leaves an AuditEvent, written before the answer goes out: reads,
 * searches, writes, deletes and refusals alike (token requests are audited by the token route).
 * A request that writes one resource has its event stored with the version it writes (writeAuditOf);
 * this hook records all the others, and such a write when its answer is a failure.
 * With AUTH=off there is no one to hold accountable and nothing is audited (nor with AUDIT=off,
 * which exists to measure what auditing costs and is refused in production).
 */

function auditing(services: Services): boolean {
  return services.config.auth !== 'off' && services.config.audit;
}

/** The query string of a request: a search's or a conditional interaction's criteria. */
function queryOf(url: string): string | undefined {
  return url.includes('?') ? url.slice(url.indexOf('?') + 1) : undefined;
}

/** For a request that writes one resource, the audit that goes with its write; undefined for any other. */
export function writeAuditOf(services: Services, req: FastifyRequest): WriteAudit | undefined {
  if (req.writeAudit || !auditing(services) || !req.auth) {
    return req.writeAudit;
  }
  const { interaction, action } = classify(req.method, decodedPath(req.url));
  if (SINGLE_WRITES.has(interaction)) {
    req.writeAudit = new WriteAudit({
      tenant: req.auth.tenant,
      clientId: req.auth.clientId,
      role: req.auth.role,
      interaction,
      action,
      query: queryOf(req.url),
      address: req.ip,
    });
  }
  return req.writeAudit;
}

/** As many as one page of search results can hold. */
const MAX_PATIENTS = 1000;

/** The patients a request concerned: of the resources answered or read, or else of the resource sent. */
function patientsOf(payload: unknown, body: unknown, subjects: Resource[] = []): PatientKey[] {
  const found = new Map<string, PatientKey>();
  const add = (resource: Resource | undefined) => {
    const key = resource && patientOf(resource);
    if (key && found.size < MAX_PATIENTS) {
      found.set(JSON.stringify(key), key);
    }
  };
  subjects.forEach(add);
  let answered: Resource | undefined;
  if (typeof payload === 'string' && payload.startsWith('{')) {
    try {
      answered = JSON.parse(payload) as Resource;
    } catch {
      answered = undefined;
    }
  }
  if (answered?.resourceType === 'Bundle') {
    for (const entry of answered.entry ?? []) {
      add(entry.resource);
    }
  } else if (answered && answered.resourceType !== 'OperationOutcome') {
    add(answered);
  }
  if (found.size === 0 && body && typeof body === 'object' && 'resourceType' in body) {
    add(body as Resource);
  }
  return [...found.values()];
}

export function registerAuditHook(app: FastifyInstance, services: Services): void {
  app.decorateRequest('writeAudit', undefined);
  app.decorateRequest('auditSubjects', undefined);
  if (!auditing(services)) {
    return;
  }
  app.addHook('onSend', async (req: FastifyRequest, reply, payload) => {
    const status = reply.statusCode;
    if (!needsAuthentication(req) || (req.writeAudit?.written && status < 400)) {
      return payload;
    }
    const { interaction, action, what } = classify(req.method, decodedPath(req.url));
    const location = reply.getHeader('location');
    await services.audit.record({
      tenant: req.auth?.tenant ?? '',
      clientId: req.auth?.clientId,
      role: req.auth?.role,
      interaction,
      action,
      what: typeof location === 'string' && interaction === 'create' ? location.replace(/^.*\/fhir\//, '') : what,
      query: queryOf(req.url),
      patients: patientsOf(payload, req.body, req.auditSubjects),
      status,
      reason: status >= 400 ? reasonOf(payload) : undefined,
      address: req.ip,
    });
    return payload;
  });
}

/** The first issue's text of an OperationOutcome answer. */
function reasonOf(payload: unknown): string | undefined {
  if (typeof payload !== 'string') {
    return undefined;
  }
  try {
    return (JSON.parse(payload) as { issue?: { details?: { text?: string } }[] }).issue?.[0]?.details?.text;
  } catch {
    return undefined;
  }
}
