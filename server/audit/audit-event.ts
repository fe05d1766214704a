import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditEventEntity, Coding } from '@medplum/fhirtypes';
import type { PatientKey } from '../auth/need-to-know.ts';

/**
 * What one request did, as an R4 AuditEvent: who (the client and its role), which patient(s),
 * what was done to what, the outcome, and the purpose of use. Only ids, identifiers and the query
 * go in; never the resources themselves.
 */

export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';

export interface AuditRecord {
  tenant: string;
  /** The client that asked; undefined when it could not be identified (a refused token). */
  clientId?: string;
  role?: string;
  /** A restful-interaction code (read, vread, search-type, create, update, patch, delete, history-*, batch, transaction, operation) or `login`. */
  interaction: string;
  action: AuditAction;
  /** What was read or written: `Type/id` or `Type/id/_history/n`, or a type for searches. */
  what?: string;
  /** The search's query string, for searches. */
  query?: string;
  patients: PatientKey[];
  status: number;
  /** Why it failed, for refusals. */
  reason?: string;
  /** Network address of the caller. */
  address?: string;
}

const REST_TYPE: Coding = { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' };
const LOGIN_TYPE: Coding = { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110114', display: 'User Authentication' };
const INTERACTION_SYSTEM = 'http://hl7.org/fhir/restful-interaction';
/** Purpose of use: care of the patient for clients in care (vendors, patient-record systems), operations otherwise. */
const PURPOSE: Record<string, Coding> = {
  vendor: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT', display: 'treatment' },
  epj: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT', display: 'treatment' },
  admin: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HOPERAT', display: 'healthcare operations' },
};
export const CLIENT_ID_SYSTEM = 'https://knutepunkt.dev/fhir/client-id';

/** Text PostgreSQL's jsonb can hold: no NUL, no lone surrogate (a request may carry either). */
function storable(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD').toWellFormed();
}

export function auditEvent(input: AuditRecord, now = new Date()): AuditEvent & { id: string; meta: { lastUpdated: string } } {
  const record: AuditRecord = {
    ...input,
    what: input.what && storable(input.what),
    query: input.query && storable(input.query),
    reason: input.reason && storable(input.reason),
    clientId: input.clientId && storable(input.clientId),
  };
  const recorded = now.toISOString();
  const entity: AuditEventEntity[] = [];
  if (record.what) {
    entity.push({
      what: record.what.includes('/') ? { reference: record.what } : { display: record.what },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
      ...(record.query ? { query: Buffer.from(record.query).toString('base64') } : {}),
    });
  }
  for (const patient of record.patients) {
    // Typed, so AuditEvent?patient=Patient/… and ?patient:identifier=… both find it.
    const what = patient.ids[0]
      ? { reference: `Patient/${patient.ids[0]}`, type: 'Patient' as const, ...(patient.identifiers[0] ? { identifier: patient.identifiers[0] } : {}) }
      : { type: 'Patient' as const, identifier: patient.identifiers[0] };
    entity.push({
      what,
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
    });
  }
  const login = record.interaction === 'login';
  return {
    resourceType: 'AuditEvent',
    id: randomUUID(),
    meta: { versionId: '1', lastUpdated: recorded },
    type: login ? LOGIN_TYPE : REST_TYPE,
    subtype: [login ? { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110122', display: 'Login' } : { system: INTERACTION_SYSTEM, code: record.interaction }],
    action: record.action,
    recorded,
    outcome: record.status < 400 ? '0' : record.status < 500 ? '4' : '8',
    outcomeDesc: record.reason ? `HTTP ${record.status}: ${record.reason}` : `HTTP ${record.status}`,
    ...(record.role && PURPOSE[record.role] ? { purposeOfEvent: [{ coding: [PURPOSE[record.role]] }] } : {}),
    agent: [
      {
        type: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110153', display: 'Source Role ID' }] },
        who: record.clientId ? { identifier: { system: CLIENT_ID_SYSTEM, value: record.clientId }, display: record.clientId } : { display: 'unidentified client' },
        ...(record.role ? { role: [{ text: record.role }] } : {}),
        requestor: true,
        ...(record.address ? { network: { address: record.address, type: '2' as const } } : {}),
      },
    ],
    source: {
      observer: { display: 'Knutepunkt' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    ...(entity.length ? { entity } : {}),
  };
}
