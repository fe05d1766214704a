import { OperationOutcomeError, badRequest, notFound } from '@medplum/core';
import type { JSONWebKeySet } from 'jose';
import type { Database } from '../store/db/database.ts';
import { checkOrganizationNumber } from '../validation/norwegian-identifiers.ts';
import { parseScope } from './scopes.ts';

/**
 * Municipalities (tenants) and the clients registered for them: who may ask for a token, with
 * which keys, in which role, for which services. Kept in the database so onboarding a
 * municipality or a vendor needs neither a code change nor a restart.
 */

export type ClientRole = 'vendor' | 'epj' | 'admin';

/** VKP's service codes: what a welfare-technology client may be approved for. */
export const SERVICE_CODES = ['TA', 'GPS', 'MD', 'DT', 'DHO', 'RT'] as const;
export type ServiceCode = (typeof SERVICE_CODES)[number];

export interface Tenant {
  id: string;
  name: string;
}

export interface Client {
  id: string;
  tenant: string;
  name: string;
  role: ClientRole;
  serviceCodes: ServiceCode[];
  /** The scopes the client may be granted. */
  scopes: string[];
  jwks?: JSONWebKeySet;
  jwksUri?: string;
}

/** What each role may do unless its registration says otherwise. */
export const DEFAULT_SCOPES: Record<ClientRole, string[]> = {
  // Vendors write journalable events and read the patient information, services and plans they serve.
  vendor: [
    'system/DetectedIssue.cru',
    'system/Encounter.cru',
    'system/Composition.cru',
    'system/Communication.cru',
    'system/MedicationDispense.cru',
    'system/Observation.cru',
    'system/QuestionnaireResponse.cru',
    'system/Bundle.c',
    'system/Device.crus',
    'system/Patient.rs',
    'system/EpisodeOfCare.rs',
    'system/CarePlan.rs',
  ],
  // Patient-record systems publish patient information, services and plans, read what is journalable and subscribe.
  epj: ['system/*.rs', 'system/Patient.cruds', 'system/EpisodeOfCare.cruds', 'system/CarePlan.cruds', 'system/Subscription.cruds'],
  admin: ['system/*.cruds'],
};

function invalid(text: string): never {
  throw new OperationOutcomeError(badRequest(text));
}

/** A municipality's organisasjonsnummer, checked. */
export function checkTenantId(id: string): void {
  const check = checkOrganizationNumber(id);
  if (!check.valid) {
    invalid(`"${id}" is not a valid organisasjonsnummer: ${check.reason}`);
  }
}

export class ClientRegistry {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  async createTenant(tenant: Tenant): Promise<Tenant> {
    checkTenantId(tenant.id);
    if (!tenant.name.trim()) {
      invalid('A tenant needs a name');
    }
    const rows = await this.db.query<{ id: string }>(
      'INSERT INTO tenant (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id',
      [tenant.id, tenant.name.trim()]
    );
    if (rows.length === 0) {
      invalid(`Tenant ${tenant.id} exists already`);
    }
    return { id: tenant.id, name: tenant.name.trim() };
  }

  async tenant(id: string): Promise<Tenant | undefined> {
    const [row] = await this.db.query<Tenant>('SELECT id, name FROM tenant WHERE id = $1', [id]);
    return row;
  }

  async tenants(): Promise<Tenant[]> {
    return this.db.query<Tenant>('SELECT id, name FROM tenant ORDER BY id');
  }

  /** Registers a client; its scopes default to its role's. */
  async registerClient(input: Omit<Client, 'scopes'> & { scopes?: string[] }): Promise<Client> {
    const client: Client = { ...input, scopes: input.scopes ?? DEFAULT_SCOPES[input.role] };
    checkClient(client);
    if (!(await this.tenant(client.tenant))) {
      throw new OperationOutcomeError(notFound);
    }
    const rows = await this.db.query<{ id: string }>(
      `INSERT INTO client (id, tenant, name, role, service_codes, scopes, jwks, jwks_uri)
       VALUES ($1, $2, $3, $4, $5::text[], $6::text[], $7::text::jsonb, $8) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [client.id, client.tenant, client.name, client.role, client.serviceCodes, client.scopes, client.jwks ? JSON.stringify(client.jwks) : null, client.jwksUri ?? null]
    );
    if (rows.length === 0) {
      invalid(`Client ${client.id} exists already`);
    }
    return client;
  }

  /** Replaces a client's keys: assertions signed with the old ones are refused from now on. */
  async rotateKeys(id: string, keys: { jwks?: JSONWebKeySet; jwksUri?: string }): Promise<Client> {
    const current = await this.client(id);
    if (!current) {
      throw new OperationOutcomeError(notFound);
    }
    const next: Client = { ...current, jwks: keys.jwks, jwksUri: keys.jwksUri };
    checkClient(next);
    await this.db.query('UPDATE client SET jwks = $2::text::jsonb, jwks_uri = $3, updated_at = now() WHERE id = $1', [
      id,
      next.jwks ? JSON.stringify(next.jwks) : null,
      next.jwksUri ?? null,
    ]);
    return next;
  }

  async client(id: string): Promise<Client | undefined> {
    const [row] = await this.db.query<{
      id: string;
      tenant: string;
      name: string;
      role: ClientRole;
      service_codes: ServiceCode[];
      scopes: string[];
      jwks: JSONWebKeySet | string | null;
      jwks_uri: string | null;
    }>('SELECT id, tenant, name, role, service_codes, scopes, jwks, jwks_uri FROM client WHERE id = $1', [id]);
    if (!row) {
      return undefined;
    }
    return {
      id: row.id,
      tenant: row.tenant,
      name: row.name,
      role: row.role,
      serviceCodes: row.service_codes,
      scopes: row.scopes,
      jwks: typeof row.jwks === 'string' ? (JSON.parse(row.jwks) as JSONWebKeySet) : (row.jwks ?? undefined),
      jwksUri: row.jwks_uri ?? undefined,
    };
  }
}

/** A client registration that could be used: a sane id, a known role, codes and scopes, public keys. */
function checkClient(client: Client): void {
  // First: the role decides the default scopes checked below.
  if (typeof client.role !== 'string' || !Object.hasOwn(DEFAULT_SCOPES, client.role)) {
    invalid(`Unknown role "${client.role}": expected vendor, epj or admin`);
  }
  const strings = (value: unknown) => Array.isArray(value) && value.every((v) => typeof v === 'string');
  if (typeof client.id !== 'string' || typeof client.name !== 'string' || !strings(client.serviceCodes) || !strings(client.scopes)) {
    invalid('A client is an id and a name (text), and its serviceCodes and scopes are lists of text');
  }
  const isObject = (value: unknown) => typeof value === 'object' && value !== null;
  if (client.jwks !== undefined && (!isObject(client.jwks) || !Array.isArray(client.jwks.keys) || !client.jwks.keys.every(isObject))) {
    invalid('A JWKS is an object with a list of keys');
  }
  if (client.jwksUri !== undefined && typeof client.jwksUri !== 'string') {
    invalid('A JWKS URL is text');
  }
  if (!/^[A-Za-z0-9._~-]{1,128}$/.test(client.id)) {
    invalid('A client id is 1–128 letters, digits, or . _ ~ -');
  }
  for (const code of client.serviceCodes) {
    if (!(SERVICE_CODES as readonly string[]).includes(code)) {
      invalid(`Unknown service code "${code}": expected one of ${SERVICE_CODES.join(', ')}`);
    }
  }
  for (const scope of client.scopes) {
    if (!parseScope(scope)) {
      invalid(`"${scope}" is not a system scope such as system/Observation.cruds`);
    }
  }
  if (!client.jwks === !client.jwksUri) {
    invalid('Give the client\'s public keys either inline (a JWKS) or as the URL of its JWKS, not both');
  }
  if (client.jwksUri && !/^https:\/\//.test(client.jwksUri)) {
    invalid('A JWKS URL must be https');
  }
  if (client.jwks) {
    if (!Array.isArray(client.jwks.keys) || client.jwks.keys.length === 0) {
      invalid('A JWKS needs at least one key');
    }
    for (const key of client.jwks.keys) {
      if ('d' in key || 'p' in key || 'k' in key) {
        invalid('A client JWKS holds public keys only: this one has private or symmetric key material');
      }
    }
  }
}
