import type { OperationOutcomeError } from '@medplum/core';
import type { EpisodeOfCare, Identifier, Patient, Reference, Resource } from '@medplum/fhirtypes';
import type { AuthContext } from './auth-context.ts';
import { forbidden } from './auth-context.ts';

/**
 * Tjenstlig behov (need-to-know): a vendor may see a patient, and write for one, only while the
 * patient has an active service (EpisodeOfCare) the vendor is approved for, as the municipality's
 * patient-record system publishes it. Patient-record systems and administrators are not limited
 * here (their municipality is their tenant). A refusal is a 403 carrying the VKP operation-outcome
 * code 1.3, "ikke oppfylt tjenstlig behov".
 */

/** What the patient of a resource is known by: Patient ids and identifiers. */
export interface PatientKey {
  ids: string[];
  identifiers: { system: string; value: string }[];
}

/** Resource types that tell about a patient, and where the patient is referenced. */
const PATIENT_ELEMENT: Record<string, string> = {
  EpisodeOfCare: 'patient',
  CarePlan: 'subject',
  DetectedIssue: 'patient',
  Encounter: 'subject',
  Composition: 'subject',
  Communication: 'subject',
  MedicationDispense: 'subject',
  Observation: 'subject',
  QuestionnaireResponse: 'subject',
};

/** What a vendor reads only for patients it serves: patient information, services and plans. */
export const NEED_TO_KNOW_READS = new Set(['Patient', 'EpisodeOfCare', 'CarePlan']);
/** What a vendor writes only for patients it serves: the journalable events. */
export const NEED_TO_KNOW_WRITES = new Set([
  'DetectedIssue',
  'Encounter',
  'Composition',
  'Communication',
  'MedicationDispense',
  'Observation',
  'QuestionnaireResponse',
]);

const SERVICE_CODE_SYSTEM = 'https://knutepunkt.dev/fhir/CodeSystem/service-code';
const IPLOS_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.1.9151';
/** The IPLOS service type each service code corresponds to (CodeSystem service-code, property iplos). */
const IPLOS_OF: Record<string, string> = { TA: '6', GPS: '26', MD: '27', DT: '28' };

export const MISSING_ACTIVE_SERVICE = (text: string): OperationOutcomeError =>
  forbidden(text, { system: 'http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090', code: '1.3', display: 'ikke oppfylt tjenstlig behov' });

/** Searches as the server itself (no scopes): what need-to-know looks up. */
export type InternalSearch = <T extends Resource>(tenant: string, resourceType: T['resourceType'], query: Record<string, string>) => Promise<T[]>;

/** The patient a resource is about; undefined for a type that names none, or a resource that does not. */
export function patientOf(resource: Resource): PatientKey | undefined {
  if (resource.resourceType === 'Patient') {
    return { ids: resource.id ? [resource.id] : [], identifiers: identifiersOf(resource.identifier) };
  }
  const element = PATIENT_ELEMENT[resource.resourceType];
  const reference = element ? ((resource as unknown as Record<string, Reference | undefined>)[element]) : undefined;
  if (!reference) {
    return undefined;
  }
  const literal = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(reference.reference ?? '');
  const key: PatientKey = { ids: literal ? [literal[1]] : [], identifiers: identifiersOf(reference.identifier ? [reference.identifier] : []) };
  return key.ids.length || key.identifiers.length ? key : undefined;
}

function identifiersOf(identifiers: Identifier[] | undefined): PatientKey['identifiers'] {
  return (identifiers ?? []).filter((i) => i.system && i.value).map((i) => ({ system: i.system as string, value: i.value as string }));
}

export class NeedToKnow {
  private readonly search: InternalSearch;

  constructor(search: InternalSearch) {
    this.search = search;
  }

  /**
   * The same rules, looking episodes and patients up through `search`: inside a transaction, its
   * own store, so that what the transaction wrote counts and nothing waits for the connection the
   * transaction holds (PGlite has one: a lookup outside would wait for the transaction forever).
   */
  using(search: InternalSearch): NeedToKnow {
    return new NeedToKnow(search);
  }

  /**
   * True when the caller is not a vendor, or the patient has an active service the vendor is
   * approved for. Every way the patient is named must lead to a served patient: a reference to one
   * patient beside the identifier of another does not pass on the strength of either.
   */
  async serves(auth: AuthContext | undefined, patient: PatientKey | undefined, now = Date.now()): Promise<boolean> {
    if (!auth || auth.role !== 'vendor') {
      return true;
    }
    if (!patient || auth.serviceCodes.length === 0) {
      return false;
    }
    const parts: PatientKey[] = [
      ...patient.ids.map((id) => ({ ids: [id], identifiers: [] })),
      ...patient.identifiers.map((identifier) => ({ ids: [], identifiers: [identifier] })),
    ];
    for (const part of parts) {
      if (!(await this.servesOne(auth, part, now))) {
        return false;
      }
    }
    return parts.length > 0;
  }

  private async servesOne(auth: AuthContext, patient: PatientKey, now: number): Promise<boolean> {
    const key = await this.complete(auth.tenant, patient);
    const types = auth.serviceCodes.flatMap((code) => [
      `${SERVICE_CODE_SYSTEM}|${code}`,
      ...(IPLOS_OF[code] ? [`${IPLOS_SYSTEM}|${IPLOS_OF[code]}`] : []),
    ]);
    const patientFilters: Record<string, string>[] = [];
    if (key.ids.length) {
      patientFilters.push({ patient: key.ids.map((id) => `Patient/${id}`).join(',') });
    }
    if (key.identifiers.length) {
      patientFilters.push({ 'patient:identifier': key.identifiers.map((i) => `${i.system}|${i.value}`).join(',') });
    }
    for (const filter of patientFilters) {
      const episodes = await this.search<EpisodeOfCare>(auth.tenant, 'EpisodeOfCare', { status: 'active', type: types.join(','), ...filter, _count: '100' });
      if (episodes.some((e) => runs(e, now))) {
        return true;
      }
    }
    return false;
  }

  /** True when this caller reads this type only for patients it serves (a vendor; patient information, services, plans). */
  limitsRead(auth: AuthContext | undefined, resourceType: string): boolean {
    return auth?.role === 'vendor' && NEED_TO_KNOW_READS.has(resourceType);
  }

  /** True when this caller writes this type only for patients it serves (a vendor; journalable events). */
  limitsWrite(auth: AuthContext | undefined, resourceType: string): boolean {
    return auth?.role === 'vendor' && NEED_TO_KNOW_WRITES.has(resourceType);
  }

  /** May the caller see this version? `undefined` is a deletion, which names no patient. */
  async mayRead(auth: AuthContext | undefined, resourceType: string, content: string | undefined): Promise<boolean> {
    if (!this.limitsRead(auth, resourceType)) {
      return true;
    }
    return content !== undefined && (await this.serves(auth, patientOf(JSON.parse(content) as Resource)));
  }

  /** Refuses a read with 403 (VKP 1.3) unless the caller may read the resource. */
  async requireRead(auth: AuthContext | undefined, resource: Resource, doing = 'reading'): Promise<void> {
    if (this.limitsRead(auth, resource.resourceType)) {
      await this.require(auth, resource, doing);
    }
  }

  /** Refuses with 403 (VKP 1.3) unless `serves`. */
  async require(auth: AuthContext | undefined, resource: Resource, doing: string): Promise<void> {
    if (!(await this.serves(auth, patientOf(resource)))) {
      throw MISSING_ACTIVE_SERVICE(
        `Ikke oppfylt tjenstlig behov: the patient has no active service this client is approved for (${doing} ${resource.resourceType})`
      );
    }
  }

  /** A literal Patient reference also stands for that Patient's identifiers, and an identifier for the Patients that carry it. */
  private async complete(tenant: string, key: PatientKey): Promise<PatientKey> {
    const ids = new Set(key.ids);
    const identifiers = new Map(key.identifiers.map((i) => [`${i.system}|${i.value}`, i]));
    if (key.ids.length) {
      for (const patient of await this.search<Patient>(tenant, 'Patient', { _id: key.ids.join(','), _count: '20' })) {
        for (const i of identifiersOf(patient.identifier)) {
          identifiers.set(`${i.system}|${i.value}`, i);
        }
      }
    }
    if (key.identifiers.length) {
      const query = { identifier: key.identifiers.map((i) => `${i.system}|${i.value}`).join(','), _count: '20' };
      for (const patient of await this.search<Patient>(tenant, 'Patient', query)) {
        ids.add(patient.id as string);
      }
    }
    return { ids: [...ids], identifiers: [...identifiers.values()] };
  }
}

/** An active episode whose period has begun and not ended. */
function runs(episode: EpisodeOfCare, now: number): boolean {
  const start = episode.period?.start ? Date.parse(episode.period.start) : -Infinity;
  const end = episode.period?.end ? Date.parse(episode.period.end) : Infinity;
  return start <= now && now <= end;
}
