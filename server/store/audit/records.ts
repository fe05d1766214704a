import type { AuditEvent } from '@medplum/fhirtypes';
import type { Database } from '../db/database.ts';
import type { HistoryQuery, HistoryRow } from '../history.ts';
import { historyFilter } from '../history.ts';
import type { StoredVersion } from '../read.ts';
import { extractIndexRows } from '../search/extract.ts';
import type { SearchParamRegistry } from '../search/registry.ts';
import { termsOf } from './terms.ts';

/**
 * The audit store: one narrow row per AuditEvent (table `audit_event`, migration 006), never
 * changed, with its searchable values as terms under one GIN index. A resource write costs a
 * current row, a history row and a dozen index rows; an audit event is one row and four index
 * entries, so the trail every request leaves costs the writes it accompanies little.
 * Events have one version, no history of changes, and no outbox row: nothing subscribes to them.
 */

export const AUDIT_EVENT = 'AuditEvent';

export interface AuditEventRecord {
  tenant: string;
  event: AuditEvent & { id: string; meta: { lastUpdated: string } };
}

/** An event as a row of `audit_event`, ready to insert as JSON. */
export interface AuditEventRow {
  tenant: string;
  id: string;
  last_updated: string;
  terms: string[];
  content: string;
}

export function auditEventRow(registry: SearchParamRegistry, { tenant, event }: AuditEventRecord): AuditEventRow {
  const content = JSON.stringify(event);
  return {
    tenant,
    id: event.id,
    last_updated: event.meta.lastUpdated,
    terms: process.env.AUDIT_EXPERIMENT === 'noterms' ? [] : termsOf(registry, AUDIT_EVENT, extractIndexRows(registry, event, { content })),
    content: process.env.AUDIT_EXPERIMENT === 'small' ? content.slice(0, 200) : content,
  };
}

/** Inserts the rows passed as a JSON array in parameter `placeholder` (also a CTE of a write, store/write.ts). */
export function insertAuditEventsSql(placeholder: string): string {
  return `INSERT INTO audit_event (tenant, id, last_updated, terms, content)
  SELECT x.tenant, x.id, x.last_updated, ARRAY(SELECT jsonb_array_elements_text(x.terms)), x.content
  FROM jsonb_to_recordset(${placeholder}::text::jsonb) AS x(tenant text, id text, last_updated timestamptz, terms jsonb, content text)`;
}

/** Stores events in one statement. */
export async function writeAuditEvents(db: Database, registry: SearchParamRegistry, records: readonly AuditEventRecord[]): Promise<void> {
  if (records.length > 0) {
    await db.query(insertAuditEventsSql('$1'), [JSON.stringify(records.map((r) => auditEventRow(registry, r)))]);
  }
}

interface EventRow {
  seq: string | number;
  id: string;
  last_updated: Date | string;
  content: string;
}

function toStored(row: EventRow): StoredVersion {
  return { rkey: Number(row.seq), version: 1, deleted: false, lastUpdated: new Date(row.last_updated).toISOString(), content: row.content };
}

/** The event (its one version), or undefined. */
export async function readAuditEvent(db: Database, tenant: string, id: string): Promise<StoredVersion | undefined> {
  const rows = await db.query<EventRow>('SELECT seq, id, last_updated, content FROM audit_event WHERE id = $1 AND tenant = $2', [id, tenant]);
  return rows[0] ? toStored(rows[0]) : undefined;
}

/** The history of one event (its only version) or of all the tenant's events, newest first. */
export async function readAuditHistory(db: Database, tenant: string, id: string | undefined, q: HistoryQuery): Promise<HistoryRow[]> {
  const { where, params, limit } = historyFilter({ tenant, id }, q);
  const rows = await db.query<EventRow>(`SELECT seq, id, last_updated, content FROM audit_event WHERE ${where} ORDER BY seq DESC LIMIT ${limit}`, params);
  return rows.map((row) => ({
    seq: Number(row.seq),
    resourceType: AUDIT_EVENT,
    id: row.id,
    version: 1,
    deleted: false,
    method: 'POST',
    lastUpdated: new Date(row.last_updated).toISOString(),
    content: row.content,
  }));
}
