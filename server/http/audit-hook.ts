import type { Resource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditAction } from '../audit/audit-event.ts';
import type { PatientKey } from '../auth/need-to-know.ts';
import { patientOf } from '../auth/need-to-know.ts';
import type { Services } from '../services.ts';
import { needsAuthentication } from './auth-routes.ts';

/**
 * Every request to the FHIR API and the admin API leaves an AuditEvent, written before the answer goes out: reads,
 * searches, writes, deletes and refusals alike (token requests are audited by the token route).
 * With AUTH=off there is no one to hold accountable and nothing is audited (nor with AUDIT=off,
 * which exists to measure what auditing costs and is refused in production).
 */

/** As many as one page of search results can hold. */
const MAX_PATIENTS = 1000;

interface Classified {
  interaction: string;
  action: AuditAction;
  what?: string;
}

/** The writes by method: on an instance, or conditional on a type (their criteria in the query). */
const WRITES: Record<string, { interaction: string; action: AuditAction }> = {
  PUT: { interaction: 'update', action: 'U' },
  PATCH: { interaction: 'patch', action: 'U' },
  DELETE: { interaction: 'delete', action: 'D' },
};

/** The interaction a request is, from its method and path (`/fhir/...`). */
function classify(method: string, path: string): Classified {
  const parts = path.replace(/^\/fhir\/?/, '').split('/').filter(Boolean);
  const [type, second, third, fourth] = parts;
  if (parts.some((p) => p.startsWith('$'))) {
    return { interaction: 'operation', action: 'E', what: parts.filter((p) => !p.startsWith('$')).join('/') || undefined };
  }
  if (!type) {
    return method === 'POST' ? { interaction: 'batch', action: 'E' } : { interaction: 'history-system', action: 'R' };
  }
  if (type === '_history') {
    return { interaction: 'history-system', action: 'R' };
  }
  if (second === '_history') {
    return { interaction: 'history-type', action: 'R', what: type };
  }
  if (second === '_search' || (!second && method === 'GET')) {
    return { interaction: 'search-type', action: 'E', what: type };
  }
  if (!second) {
    return { ...(WRITES[method] ?? { interaction: 'create', action: 'C' }), what: type };
  }
  const instance = `${type}/${second}`;
  if (third === '_history') {
    return fourth ? { interaction: 'vread', action: 'R', what: `${instance}/_history/${fourth}` } : { interaction: 'history-instance', action: 'R', what: instance };
  }
  return { ...(WRITES[method] ?? { interaction: 'read', action: 'R' }), what: instance };
}

/** The patients a request concerned: of the resources answered, or else of the resource sent. */
function patientsOf(payload: unknown, body: unknown): PatientKey[] {
  const found = new Map<string, PatientKey>();
  const add = (resource: Resource | undefined) => {
    const key = resource && patientOf(resource);
    if (key && found.size < MAX_PATIENTS) {
      found.set(JSON.stringify(key), key);
    }
  };
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
  if (services.config.auth === 'off' || !services.config.audit) {
    return;
  }
  app.addHook('onSend', async (req: FastifyRequest, reply, payload) => {
    if (!needsAuthentication(req)) {
      return payload;
    }
    const path = decodedPath(req.url);
    // The admin API (clients and keys) is audited as operations on what it names.
    const { interaction, action, what } = path.startsWith('/admin')
      ? { interaction: 'operation', action: req.method === 'POST' ? 'C' : (WRITES[req.method]?.action ?? 'R'), what: path.slice(1) }
      : classify(req.method, path);
    const location = reply.getHeader('location');
    const status = reply.statusCode;
    await services.audit.record({
      tenant: req.auth?.tenant ?? '',
      clientId: req.auth?.clientId,
      role: req.auth?.role,
      interaction,
      action,
      what: typeof location === 'string' && interaction === 'create' ? location.replace(/^.*\/fhir\//, '') : what,
      // The criteria of a search or of a conditional interaction.
      query: req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : undefined,
      patients: patientsOf(payload, req.body),
      status,
      reason: status >= 400 ? reasonOf(payload) : undefined,
      address: req.ip,
    });
    return payload;
  });
}

/** The path as the router saw it (decoded, without host or query), whatever form the target had. */
function decodedPath(url: string): string {
  const pathname = new URL(url, 'http://knutepunkt.invalid').pathname;
  try {
    return decodeURI(pathname);
  } catch {
    return pathname;
  }
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
