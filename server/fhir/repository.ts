import { randomUUID } from 'node:crypto';
import {
  applyPatch,
  badRequest,
  conflict,
  fhirpathPatchTypedValue,
  gone,
  normalizeOperationOutcome,
  notFound,
  OperationOutcomeError,
  parseFhirPathPatchParameters,
  parseSearchRequest,
  preconditionFailed,
  toTypedValue,
} from '@medplum/core';
import type { Operation, SearchRequest, WithId } from '@medplum/core';
import type {
  CreateResourceOptions,
  DeleteResourceOptions,
  ReadHistoryOptions,
  TransactionOptions,
  UpdateResourceOptions,
} from '@medplum/fhir-router';
import { FhirRepository } from '@medplum/fhir-router';
import type { Bundle, OperationOutcome, Parameters, Reference, Resource } from '@medplum/fhirtypes';
import { SqlState, sqlState } from '../store/db/database.ts';
import type { StoredVersion } from '../store/read.ts';
import type { ResourceStore, SearchOptions } from '../store/resource-store.ts';
import type { Validator } from '../validation/validator.ts';
import type { WriteAudit } from '../audit/write-audit.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { authorize, forbidden, permits } from '../auth/auth-context.ts';
import type { InternalSearch, NeedToKnow } from '../auth/need-to-know.ts';
import { MISSING_ACTIVE_SERVICE } from '../auth/need-to-know.ts';
import type { SearchPage } from '../store/search/execute.ts';

/** The id of an outcome answered 405 (Medplum's status mapping has none). */
export const METHOD_NOT_ALLOWED = 'method-not-allowed';
import { searchBundle } from './bundles.ts';
import { historyInteraction } from './interactions/history.ts';
import { guardStore } from './guarded-store.ts';
import { isKnownResourceType } from './definitions.ts';

/** Who is asking and how: everything a request carries that the repository needs. */
export interface RequestContext {
  tenant: string;
  /** Who asks; undefined for the server's own work (status changes, publishing definitions). */
  auth?: AuthContext;
  /** Public base URL of the FHIR API (`http://host/fhir`), for fullUrl and links. */
  baseUrl: string;
  /** `Prefer: handling=lenient`: unknown search parameters are ignored, not refused. */
  lenient?: boolean;
  /** For a request that writes one resource: its AuditEvent, stored with the version written. */
  audit?: WriteAudit;
}

const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;
const MAX_WRITE_ATTEMPTS = 10;

/**
 * The serialised form of resources this repository returned from a write, so the HTTP layer can
 * send the stored bytes instead of serialising the same object again.
 */
export const storedJson = new WeakMap<object, string>();

/** Resources whose write created them (a first version, or a deleted resource brought back). */
export const createdByWrite = new WeakSet<object>();

/**
 * FHIR interactions on top of the store, as Medplum's router expects them: every write is
 * validated here and then stored with a new version; reads map deleted resources to 410.
 * The router builds conditional interactions, batches and transactions from these methods.
 */
export class KnutepunktRepository extends FhirRepository {
  readonly store: ResourceStore;
  readonly context: RequestContext;
  private readonly validate: Validator;

  /** Tjenstlig behov: what a vendor may read and write (server/auth/need-to-know.ts). */
  readonly needToKnow: NeedToKnow | undefined;

  constructor(store: ResourceStore, context: RequestContext, validate: Validator, needToKnow?: NeedToKnow) {
    super();
    this.store = guardStore(store);
    this.context = context;
    this.validate = validate;
    this.needToKnow = needToKnow;
  }

  /**
   * A write needs its scope, and AuditEvents are written by the audit log alone (to a store of
   * their own): through the API they can be read, never written, with or without authentication.
   */
  private authorizeWrite(permission: 'c' | 'u' | 'd', resourceType: string): void {
    authorize(this.context.auth, permission, resourceType);
    // A SearchParameter defines how every municipality's data is indexed (store/search/custom-params.ts).
    if (resourceType === 'SearchParameter' && this.context.auth && this.context.auth.role !== 'admin') {
      throw forbidden('Only an administrator client defines search parameters');
    }
    if (resourceType === 'AuditEvent') {
      throw new OperationOutcomeError({
        resourceType: 'OperationOutcome',
        id: METHOD_NOT_ALLOWED,
        issue: [{ severity: 'error', code: 'not-supported', details: { text: 'AuditEvents are records of what happened: they cannot be created, changed or deleted through the API' } }],
      });
    }
  }

  /** A vendor writes journalable events only for patients it serves (the version written and the one it replaces). */
  private async checkWrite(resource: Resource, current?: StoredVersion): Promise<void> {
    if (this.needToKnow?.limitsWrite(this.context.auth, resource.resourceType)) {
      await this.needToKnow.require(this.context.auth, resource, 'writing');
      if (current?.content && !current.deleted) {
        await this.needToKnow.require(this.context.auth, parseStored<Resource>(current.content), 'changing');
      }
    }
  }

  /** A vendor reads patient information, services and plans only for patients it serves. */
  private async checkRead<T extends Resource>(resource: T): Promise<T> {
    await this.needToKnow?.requireRead(this.context.auth, resource);
    return resource;
  }

  setMode(): void {
    // One database role serves reads and writes; read replicas are a deployment concern.
  }

  generateId(): string {
    return randomUUID();
  }

  async createResource<T extends Resource>(resource: T, options?: CreateResourceOptions): Promise<WithId<T>> {
    checkType(resource.resourceType);
    this.authorizeWrite('c', resource.resourceType);
    const id = options?.assignedId && resource.id ? resource.id : this.generateId();
    const candidate = { ...resource, id } as WithId<T>;
    this.validate(candidate);
    await this.checkWrite(candidate);
    return this.writeVersion(candidate, undefined, 'POST');
  }

  async updateResource<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    checkType(resource.resourceType);
    this.authorizeWrite('u', resource.resourceType);
    const id = resource.id;
    if (!id || !ID_PATTERN.test(id)) {
      throw new OperationOutcomeError(badRequest('Resource id must be 1-64 letters, digits, "-" or "."', 'id'));
    }
    let validated = false;
    for (let attempt = 1; ; attempt++) {
      const current = await this.store.readCurrent(this.context.tenant, resource.resourceType, id);
      if (options?.ifMatch !== undefined && String(current?.version) !== options.ifMatch) {
        throw new OperationOutcomeError(preconditionFailed);
      }
      if (current && !current.deleted && current.content && sameContent(current.content, resource)) {
        // An update that changes nothing makes no new version, and what is stored was validated.
        return parseStored<WithId<T>>(current.content);
      }
      if (!validated) {
        this.validate(resource);
        validated = true;
      }
      await this.checkWrite(resource, current);
      try {
        return await this.writeVersion(resource as WithId<T>, current, 'PUT');
      } catch (err) {
        if (!this.isRetryableConflict(err, attempt)) {
          throw toConflict(err, options?.ifMatch !== undefined);
        }
      }
    }
  }

  async patchResource<T extends Resource>(
    resourceType: T['resourceType'],
    id: string,
    patch: Operation[] | Parameters,
    options?: UpdateResourceOptions
  ): Promise<WithId<T>> {
    checkType(resourceType);
    this.authorizeWrite('u', resourceType);
    for (let attempt = 1; ; attempt++) {
      const current = await this.readCurrentOrThrow(resourceType, id);
      if (options?.ifMatch !== undefined && String(current.version) !== options.ifMatch) {
        throw new OperationOutcomeError(preconditionFailed);
      }
      const patched = applyAnyPatch(parseStored<WithId<T>>(current.content as string), patch);
      if (patched.resourceType !== resourceType || patched.id !== id) {
        throw new OperationOutcomeError(badRequest('A patch may not change resourceType or id'));
      }
      this.validate(patched);
      if (sameContent(current.content as string, patched)) {
        return parseStored<WithId<T>>(current.content as string);
      }
      await this.checkWrite(patched, current);
      try {
        return await this.writeVersion(patched, current, 'PATCH');
      } catch (err) {
        if (!this.isRetryableConflict(err, attempt)) {
          throw toConflict(err, options?.ifMatch !== undefined);
        }
      }
    }
  }

  async deleteResource(resourceType: string, id: string, options?: DeleteResourceOptions): Promise<void> {
    checkType(resourceType);
    this.authorizeWrite('d', resourceType);
    for (let attempt = 1; ; attempt++) {
      const current = await this.store.readCurrent(this.context.tenant, resourceType, id);
      if (!current) {
        throw new OperationOutcomeError(notFound);
      }
      if (options?.ifMatch !== undefined && String(current.version) !== options.ifMatch) {
        throw new OperationOutcomeError(preconditionFailed);
      }
      if (current.deleted) {
        return; // Deleting a deleted resource changes nothing.
      }
      try {
        const version = current.version + 1;
        const previous = current.content ? parseStored<Resource>(current.content) : undefined;
        const audit = this.context.audit?.eventFor({ resourceType, id, version, created: false, previous });
        await this.store.writeDeletion(this.context.tenant, resourceType, id, version, nextTimestamp(current.lastUpdated), audit);
        this.context.audit?.stored();
        return;
      } catch (err) {
        if (!this.isRetryableConflict(err, attempt)) {
          throw toConflict(err, options?.ifMatch !== undefined);
        }
      }
    }
  }

  async readResource<T extends Resource>(resourceType: string, id: string): Promise<WithId<T>> {
    checkType(resourceType);
    authorize(this.context.auth, 'r', resourceType);
    const current = await this.readCurrentOrThrow(resourceType, id);
    return this.checkRead(parseStored<WithId<T>>(current.content as string));
  }

  async readVersion<T extends Resource>(resourceType: string, id: string, vid: string): Promise<WithId<T>> {
    checkType(resourceType);
    authorize(this.context.auth, 'r', resourceType);
    const version = Number(vid);
    const stored = Number.isInteger(version)
      ? await this.store.readVersion(this.context.tenant, resourceType, id, version)
      : undefined;
    if (!stored) {
      throw new OperationOutcomeError(notFound);
    }
    if (stored.deleted || !stored.content) {
      throw new OperationOutcomeError(gone);
    }
    return this.checkRead(parseStored<WithId<T>>(stored.content));
  }

  async readReference<T extends Resource>(reference: Reference<T>): Promise<WithId<T>> {
    const [type, id] = reference.reference?.split('/') ?? [];
    if (!type || !id) {
      throw new OperationOutcomeError(badRequest(`Cannot read reference "${reference.reference}"`));
    }
    return this.readResource<T>(type, id);
  }

  async readReferences<T extends Resource>(references: readonly Reference<T>[]): Promise<(T | Error)[]> {
    return Promise.all(
      references.map((r) =>
        this.readReference(r).catch((err: unknown) => new OperationOutcomeError(normalizeOperationOutcome(err)))
      )
    );
  }

  /** Instance history inside a batch: the same interaction as `GET Type/id/_history`. */
  async readHistory<T extends Resource>(resourceType: string, id: string, options?: ReadHistoryOptions): Promise<Bundle<WithId<T>>> {
    const query = options?.limit !== undefined ? { _count: String(options.limit) } : {};
    const result = await historyInteraction(this, query, resourceType, id);
    return JSON.parse(result.body) as Bundle<WithId<T>>;
  }

  async search<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    checkType(searchRequest.resourceType);
    authorize(this.context.auth, 's', searchRequest.resourceType);
    const page = await this.visiblePage(searchRequest.resourceType, await this.searchStore(searchRequest));
    return JSON.parse(searchBundle(searchRequest, page, this.context.baseUrl)) as Bundle<WithId<T>>;
  }

  /**
   * One page from the store, as this caller may ask it: a chain or `_has` reads the types it goes
   * through, so it needs their scopes too; and a vendor may not filter by patient information,
   * services or plans at all that way, since the answer would tell of patients it does not serve.
   */
  searchStore(request: SearchRequest): Promise<SearchPage> {
    return this.store.search(request, this.searchOptions());
  }

  /**
   * The SQL and PostgreSQL's plan of a search, for operators: an administrator's, as it would run
   * for them (`analyze` runs it). Others get a 403: a plan tells of data they may not see.
   */
  explainSearch(request: SearchRequest, analyze: boolean): Promise<{ sql: string; plan: string }> {
    if (this.context.auth?.role !== 'admin') {
      throw forbidden('Only an administrator client may see the plan of a search (_explain)');
    }
    return this.store.explain(request, this.searchOptions(), analyze);
  }

  private searchOptions(): SearchOptions {
    return {
      ...this.context,
      mayJoin: (type) => {
        if (!permits(this.context.auth, 's', type)) {
          throw forbidden(`The search goes through ${type} by a chain or _has, and this token may not search ${type}`);
        }
        if (this.needToKnow?.limitsRead(this.context.auth, type)) {
          throw forbidden(`A ${this.context.auth?.role} client may not chain or use _has through ${type}: search by the patient's identifier (for example patient:identifier=…)`);
        }
      },
    };
  }

  /**
   * The page as the caller may see it: a vendor's search of patients, services or plans keeps only
   * its patients'. When nothing is left of what was found, it is refused as a read would be (VKP 1.3).
   */
  async visiblePage(resourceType: string, page: SearchPage): Promise<SearchPage> {
    const needToKnow = this.needToKnow;
    if (!needToKnow?.limitsRead(this.context.auth, resourceType)) {
      return page;
    }
    const rows: SearchPage['rows'] = [];
    for (const row of page.rows) {
      if (await needToKnow.mayRead(this.context.auth, resourceType, row.content)) {
        rows.push(row);
      }
    }
    if (rows.length === page.rows.length) {
      return { ...page, total: undefined }; // a count of all would tell what it may not see
    }
    if (rows.length === 0) {
      throw MISSING_ACTIVE_SERVICE(`Ikke oppfylt tjenstlig behov: none of the ${resourceType} resources found belongs to a patient with an active service this client is approved for`);
    }
    return { ...page, rows, total: undefined };
  }

  async searchByReference<T extends Resource>(
    searchRequest: SearchRequest<T>,
    referenceField: string,
    references: string[]
  ): Promise<Record<string, WithId<T>[]>> {
    const results: Record<string, WithId<T>[]> = {};
    for (const reference of references) {
      const request = parseSearchRequest<T>(searchRequest.resourceType, {});
      request.filters = [...(searchRequest.filters ?? []), { code: referenceField, operator: 'eq', value: reference }];
      request.count = searchRequest.count;
      results[reference] = await this.searchResources(request);
    }
    return results;
  }

  /** A conditional create may answer with an existing resource: it needs the create scope before it searches. */
  async conditionalCreate<T extends Resource>(
    resource: T,
    search: SearchRequest<T>,
    options?: CreateResourceOptions
  ): Promise<{ resource: WithId<T>; outcome: OperationOutcome }> {
    authorize(this.context.auth, 'c', resource.resourceType);
    return super.conditionalCreate(resource, search, options);
  }

  async conditionalUpdate<T extends Resource>(
    resource: T,
    search: SearchRequest,
    options?: CreateResourceOptions & UpdateResourceOptions
  ): Promise<{ resource: WithId<T>; outcome: OperationOutcome }> {
    requireCriteria(search);
    return super.conditionalUpdate(resource, search, options);
  }

  async conditionalDelete(search: SearchRequest): Promise<void> {
    requireCriteria(search);
    return super.conditionalDelete(search);
  }

  async conditionalPatch(search: SearchRequest, patch: Operation[], options?: UpdateResourceOptions): Promise<WithId<Resource>> {
    requireCriteria(search);
    return super.conditionalPatch(search, patch, options);
  }

  async withTransaction<TResult>(callback: (txRepo: this) => Promise<TResult>, options?: TransactionOptions): Promise<TResult> {
    if (this.store.db.inTransaction) {
      return callback(this);
    }
    return this.store.transaction(
      // The same caller, the same checks: scopes and need-to-know hold inside transactions too.
      (txStore) =>
        callback(new KnutepunktRepository(txStore, this.context, this.validate, this.needToKnow?.using(internalSearch(txStore, this.validate, this.context.baseUrl))) as this),
      { serializable: options?.serializable }
    );
  }

  /** Stamps id, version and time on the resource and writes it; returns what was stored. */
  private async writeVersion<T extends Resource>(
    resource: WithId<T>,
    current: StoredVersion | undefined,
    method: 'POST' | 'PUT' | 'PATCH'
  ): Promise<WithId<T>> {
    const version = (current?.version ?? 0) + 1;
    const saved = {
      ...resource,
      meta: { ...resource.meta, versionId: String(version), lastUpdated: nextTimestamp(current?.lastUpdated) },
    } as WithId<T>;
    const created = !current || current.deleted;
    const audit = this.context.audit?.eventFor({ resourceType: saved.resourceType, id: saved.id, version, created, resource: saved });
    const content = await this.store.writeResource(this.context.tenant, saved, version, method, this.context.baseUrl, audit);
    this.context.audit?.stored();
    storedJson.set(saved, content);
    if (created) {
      createdByWrite.add(saved);
    }
    return saved;
  }

  private async readCurrentOrThrow(resourceType: string, id: string): Promise<StoredVersion> {
    checkType(resourceType);
    const current = await this.store.readCurrent(this.context.tenant, resourceType, id);
    if (!current) {
      throw new OperationOutcomeError(notFound);
    }
    if (current.deleted || !current.content) {
      throw new OperationOutcomeError(gone);
    }
    return current;
  }

  /** A lost race against another writer is retried, except inside a transaction (which is aborted). */
  private isRetryableConflict(err: unknown, attempt: number): boolean {
    return sqlState(err) === SqlState.uniqueViolation && !this.store.db.inTransaction && attempt < MAX_WRITE_ATTEMPTS;
  }
}

/** Conditional interactions without criteria would select every resource of the type. */
function requireCriteria(search: SearchRequest): void {
  if (!search.filters?.length) {
    throw new OperationOutcomeError(badRequest('Conditional requests need search criteria that select the resource'));
  }
}

function checkType(resourceType: string): void {
  if (!isKnownResourceType(resourceType)) {
    throw new OperationOutcomeError(notFound);
  }
}

function toConflict(err: unknown, hadIfMatch: boolean): unknown {
  if (sqlState(err) !== SqlState.uniqueViolation) {
    return err;
  }
  return new OperationOutcomeError(
    hadIfMatch ? preconditionFailed : conflict('The resource was changed by another request at the same time')
  );
}

function parseStored<T>(content: string): T {
  const resource = JSON.parse(content) as T;
  storedJson.set(resource as object, content);
  return resource;
}

/** True when the resource equals the stored text apart from its version and time. */
function sameContent(storedContent: string, resource: Resource): boolean {
  const strip = (r: Resource): string => {
    const meta = { ...r.meta };
    delete meta.versionId;
    delete meta.lastUpdated;
    return JSON.stringify({ ...r, meta: Object.keys(meta).length ? meta : undefined });
  };
  return strip(JSON.parse(storedContent) as Resource) === strip(resource);
}

/** Now, but never earlier than or equal to the previous version's time, so versions order by time. */
function nextTimestamp(previous?: string): string {
  const now = Date.now();
  const prev = previous ? Date.parse(previous) : 0;
  return new Date(Math.max(now, prev + 1)).toISOString();
}

function applyAnyPatch<T extends Resource>(resource: T, patch: Operation[] | Parameters): T {
  try {
    if (Array.isArray(patch)) {
      const errors = applyPatch(resource, patch).filter(Boolean);
      if (errors.length > 0) {
        throw new OperationOutcomeError(badRequest(errors.map((e) => (e as Error).message).join('; ')));
      }
    } else {
      fhirpathPatchTypedValue(toTypedValue(resource), parseFhirPathPatchParameters(patch));
    }
  } catch (err) {
    throw new OperationOutcomeError(normalizeOperationOutcome(err));
  }
  return resource;
}

/** Searches as the server itself, in a tenant and in `store`: what need-to-know looks episodes and patients up with. */
export function internalSearch(store: ResourceStore, validate: Validator, baseUrl: string): InternalSearch {
  return (tenant, type, query) => new KnutepunktRepository(store, { tenant, baseUrl }, validate).searchResources(parseSearchRequest(type, query));
}
