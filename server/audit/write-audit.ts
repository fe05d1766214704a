import type { Resource } from '@medplum/fhirtypes';
import { patientOf } from '../auth/need-to-know.ts';
import type { AuditEventRecord } from '../store/audit/records.ts';
import type { AuditRecord } from './audit-event.ts';
import { auditEvent } from './audit-event.ts';

/** What a request's AuditEvent says whatever it writes: who, from where, which interaction and criteria. */
export type RequestAuditFacts = Omit<AuditRecord, 'what' | 'patients' | 'status' | 'reason'>;

/**
 * The AuditEvent of a request that writes one resource (create, update, patch, delete), stored in
 * the same statement as the version it records (store/write.ts): the write and its trace commit
 * together or not at all, and the trail costs a write one row rather than a statement and a commit
 * of its own. The audit hook (http/audit-hook.ts) records every other request, and a write whose
 * answer is a failure.
 */
export class WriteAudit {
  private readonly facts: RequestAuditFacts;
  /** Whether an event was stored with a version (the hook then has nothing to add). */
  written = false;

  constructor(facts: RequestAuditFacts) {
    this.facts = facts;
  }

  /**
   * The event of one version about to be written: `resource` is the new version, or undefined
   * for a deletion, whose patient is that of the version it ends (`previous`).
   */
  eventFor(write: { resourceType: string; id: string; version: number; created: boolean; resource?: Resource; previous?: Resource }): AuditEventRecord {
    const subject = write.resource ?? write.previous;
    const patient = subject && patientOf(subject);
    return {
      tenant: this.facts.tenant,
      event: auditEvent({
        ...this.facts,
        what: `${write.resourceType}/${write.id}/_history/${write.version}`,
        patients: patient ? [patient] : [],
        status: write.created ? 201 : 200,
      }),
    };
  }

  /**
   * Called once the version carrying the event has been written: only then has the request left
   * its trace. A write that failed and was retried, or answered without writing, has not.
   */
  stored(): void {
    this.written = true;
  }
}
