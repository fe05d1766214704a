import type { Database } from './db/database.ts';

/** A stored version as the store keeps it. */
export interface StoredVersion {
  rkey: number;
  version: number;
  deleted: boolean;
  lastUpdated: string;
  /** The resource JSON exactly as served; null for a deletion. */
  content: string | null;
}

interface VersionRow {
  rkey: string | number;
  version: number;
  deleted: boolean;
  last_updated: Date | string;
  content: string | null;
}

function toStored(row: VersionRow): StoredVersion {
  return {
    rkey: Number(row.rkey),
    version: Number(row.version),
    deleted: row.deleted,
    lastUpdated: new Date(row.last_updated).toISOString(),
    content: row.content,
  };
}

/** The current version of a resource (deleted or not), or undefined when it never existed. */
export async function readCurrent(
  db: Database,
  tenant: string,
  resourceType: string,
  id: string
): Promise<StoredVersion | undefined> {
  const rows = await db.query<VersionRow>(
    'SELECT rkey, version, deleted, last_updated, content FROM resource WHERE tenant = $1 AND resource_type = $2 AND id = $3',
    [tenant, resourceType, id]
  );
  return rows[0] ? toStored(rows[0]) : undefined;
}

/** One historical version, or undefined. */
export async function readVersion(
  db: Database,
  tenant: string,
  resourceType: string,
  id: string,
  version: number
): Promise<StoredVersion | undefined> {
  const rows = await db.query<VersionRow>(
    `SELECT rkey, version, deleted, last_updated, content FROM resource_history
     WHERE tenant = $1 AND resource_type = $2 AND id = $3 AND version = $4`,
    [tenant, resourceType, id, version]
  );
  return rows[0] ? toStored(rows[0]) : undefined;
}
