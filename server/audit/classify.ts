import type { AuditAction } from './audit-event.ts';

/** What a request to the FHIR or admin API is, for its AuditEvent: the interaction, the action and what it names. */
export interface Classified {
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

/** Interactions that write one resource (or, conditionally, the ones their criteria select). */
export const SINGLE_WRITES = new Set(['create', 'update', 'patch', 'delete']);

/** The interaction a request is, from its method and its decoded path (`/fhir/...` or `/admin/...`). */
export function classify(method: string, path: string): Classified {
  if (path.startsWith('/admin')) {
    // The admin API (clients and keys) is audited as operations on what it names.
    return { interaction: 'operation', action: method === 'POST' ? 'C' : (WRITES[method]?.action ?? 'R'), what: path.slice(1) };
  }
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

/** The path as the router saw it (decoded, without host or query), whatever form the target had. */
export function decodedPath(url: string): string {
  const pathname = new URL(url, 'http://knutepunkt.invalid').pathname;
  try {
    return decodeURI(pathname);
  } catch {
    return pathname;
  }
}
