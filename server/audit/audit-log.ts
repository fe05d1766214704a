import { Batcher } from '../store/batcher.ts';
import type { AuditEventRecord } from '../store/audit/records.ts';
import type { ResourceStore } from '../store/resource-store.ts';
import type { AuditRecord } from './audit-event.ts';
import { auditEvent } from './audit-event.ts';

/**
 * Writes AuditEvents to the audit store (store/audit) before the answer leaves: durable, in the
 * tenant's own data, and grouped, so concurrent requests share one statement instead of each
 * writing its own.
 */
export class AuditLog {
  private readonly batcher: Batcher<AuditEventRecord>;

  constructor(store: ResourceStore) {
    this.batcher = new Batcher((records) => store.writeAuditEvents(records));
  }

  /** Resolves once the event is stored. */
  async record(record: AuditRecord): Promise<void> {
    await this.batcher.add({ tenant: record.tenant, event: auditEvent(record) });
  }
}
