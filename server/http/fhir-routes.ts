import { allOk, badRequest, created, isOperationOutcome, notFound, OperationOutcomeError } from '@medplum/core';
import type { FhirRequest, HttpMethod } from '@medplum/fhir-router';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { historyInteraction } from '../fhir/interactions/history.ts';
import { readInteraction } from '../fhir/interactions/read.ts';
import { subsettingOf } from '../fhir/subsetting.ts';
import type { FhirResult } from '../fhir/interactions/result.ts';
import { searchInteraction } from '../fhir/interactions/search.ts';
import { transactionInteraction } from '../fhir/interactions/transaction.ts';
import { completeEntryResponses } from '../fhir/entry-responses.ts';
import type { RequestContext } from '../fhir/repository.ts';
import { createdByWrite, storedJson } from '../fhir/repository.ts';
import type { QueryRecord } from '../fhir/search-request.ts';
import type { Services } from '../services.ts';
import { HttpError, responseType } from './negotiation.ts';
import { statusOf } from './errors.ts';
import { isKnownResourceType } from '../fhir/definitions.ts';
import { parseSearch, queryRecord } from '../fhir/search-request.ts';
import { planSearch } from '../store/search/plan.ts';
import { writeAuditOf } from './audit-hook.ts';

type Params = { type?: string; id?: string; vid?: string };

/** Who asks (set by the auth hook), their tenant, the public base URL and search leniency of one request. */
export function requestContext(services: Services, req: FastifyRequest): RequestContext {
  if (!req.auth) {
    throw new Error('FHIR request without authentication: the auth hook did not run'); // a 500, never full access
  }
  return {
    tenant: req.auth.tenant,
    auth: req.auth,
    baseUrl: services.config.baseUrl ?? `${req.protocol}://${req.host}/fhir`,
    lenient: /handling\s*=\s*lenient/i.test(String(req.headers.prefer ?? '')),
    audit: writeAuditOf(services, req),
  };
}

/** The FHIR REST API under /fhir: reads, searches and history answered directly, writes through Medplum's router. */
export function registerFhirRoutes(app: FastifyInstance, services: Services): void {
  const context = (req: FastifyRequest): RequestContext => requestContext(services, req);
  const repo = (req: FastifyRequest) => services.repository(context(req));

  app.get('/fhir/metadata', async (req, reply) => {
    return send(reply, req, { status: 200, body: services.capabilityStatement });
  });

  app.get<{ Params: Params }>('/fhir/:type/:id', async (req, reply) => {
    const { type, id } = req.params as Required<Params>;
    const result = await readInteraction(services.store, context(req), type, id, undefined, services.needToKnow, subsettingOf(req.query as QueryRecord));
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch && ifNoneMatch.replace(/^W\//, '') === `"${result.versionId}"`) {
      return reply.header('ETag', `W/"${result.versionId}"`).code(304).send();
    }
    return send(reply, req, result);
  });

  app.get<{ Params: Params }>('/fhir/:type/:id/_history/:vid', async (req, reply) => {
    const { type, id, vid } = req.params as Required<Params>;
    return send(reply, req, await readInteraction(services.store, context(req), type, id, vid, services.needToKnow, subsettingOf(req.query as QueryRecord)));
  });

  app.get<{ Params: Params }>('/fhir/:type', async (req, reply) => {
    return send(reply, req, await searchInteraction(repo(req), req.params.type as string, req.query as QueryRecord));
  });

  app.post<{ Params: Params }>('/fhir/:type/_search', async (req, reply) => {
    const body = (req.body ?? {}) as QueryRecord;
    if (typeof body !== 'object' || Array.isArray(body) || req.headers['content-type']?.includes('json')) {
      throw new OperationOutcomeError(badRequest('POST _search takes an application/x-www-form-urlencoded body'));
    }
    // Parameters in the URL and in the body together make the search (repeated names are ANDed).
    const query: QueryRecord = { ...(req.query as QueryRecord) };
    for (const [key, value] of Object.entries(body)) {
      const before = query[key];
      query[key] = before === undefined ? value : [before, value].flat().filter((v): v is string => v !== undefined);
    }
    return send(reply, req, await searchInteraction(repo(req), req.params.type as string, query));
  });

  app.get('/fhir/_history', async (req, reply) => {
    return send(reply, req, await historyInteraction(repo(req), req.query as QueryRecord));
  });
  app.get<{ Params: Params }>('/fhir/:type/_history', async (req, reply) => {
    return send(reply, req, await historyInteraction(repo(req), req.query as QueryRecord, req.params.type));
  });
  app.get<{ Params: Params }>('/fhir/:type/:id/_history', async (req, reply) => {
    return send(reply, req, await historyInteraction(repo(req), req.query as QueryRecord, req.params.type, req.params.id));
  });

  // Writes, conditional interactions, batch and transaction go through Medplum's router.
  const viaRouter = async (req: FastifyRequest<{ Params: Params }>, reply: FastifyReply): Promise<FastifyReply> => {
    const url = req.url.slice('/fhir'.length) || '/';
    checkWriteRequest(req, services);
    const fhirRequest: FhirRequest = {
      method: req.method as HttpMethod,
      url,
      pathname: '',
      body: req.body,
      params: {},
      query: {},
      headers: req.headers,
    };
    const repository = repo(req);
    const body = req.body as Bundle | undefined;
    const [outcome, resource] =
      url.split('?')[0].replace(/\/+$/, '') === '' && req.method === 'POST' && body?.resourceType === 'Bundle' && body.type === 'transaction'
        ? await transactionInteraction(services.router, repository, fhirRequest, body)
        : await services.router.handleRequest(fhirRequest, repository);
    if (resource?.resourceType === 'Bundle' && resource.type === 'batch-response') {
      completeEntryResponses(resource);
    }
    return sendRouterResult(reply, req, context(req).baseUrl, outcome, resource);
  };
  // A client that cannot read the answer must learn it before anything is written.
  app.addHook('preHandler', async (req) => {
    if (req.url.startsWith('/fhir')) {
      responseType(req);
    }
  });

  app.post('/fhir', viaRouter);
  app.post('/fhir/:type', viaRouter);
  app.put('/fhir/:type', viaRouter);
  app.put('/fhir/:type/:id', viaRouter);
  app.patch('/fhir/:type', viaRouter);
  app.patch('/fhir/:type/:id', viaRouter);
  app.delete('/fhir/:type', viaRouter);
  app.delete('/fhir/:type/:id', viaRouter);
}

/**
 * Refuses what Medplum's router would misread: a body that is not a JSON object, a type that is
 * not a resource type, and conditional criteria that are invalid or empty (which would otherwise
 * select every resource of the type).
 */
function checkWriteRequest(req: FastifyRequest<{ Params: Params }>, services: Services): void {
  // `POST /fhir/` reaches the `:type` route with an empty type: it is the batch endpoint.
  const type = req.params.type || undefined;
  if (type !== undefined && !isKnownResourceType(type)) {
    if (type === 'metadata') {
      throw new HttpError(405, 'not-supported', `${req.method} is not allowed on /metadata`);
    }
    throw new OperationOutcomeError(notFound);
  }
  const ifMatch = req.headers['if-match'];
  if (ifMatch !== undefined && !/^(W\/)?"\d+"$/.test(String(ifMatch).trim())) {
    throw new OperationOutcomeError(badRequest('If-Match must be a version ETag such as W/"3"', 'If-Match'));
  }
  const body = req.body as unknown;
  const patchArray = req.method === 'PATCH' && Array.isArray(body);
  if (req.method !== 'DELETE' && !patchArray && (body === null || typeof body !== 'object' || Array.isArray(body))) {
    throw new OperationOutcomeError(badRequest('The request body must be a FHIR resource (a JSON object)'));
  }
  const queryStart = req.url.indexOf('?');
  const conditional = type !== undefined && req.params.id === undefined && req.method !== 'POST';
  const criteria = conditional ? (queryStart >= 0 ? req.url.slice(queryStart + 1) : '') : req.headers['if-none-exist'];
  if (type !== undefined && (conditional || typeof criteria === 'string')) {
    const request = parseSearch(type, queryRecord(String(criteria ?? '')));
    if (!request.filters?.length) {
      throw new OperationOutcomeError(badRequest('Conditional requests need search criteria that select the resource'));
    }
    // Planning checks every parameter, modifier and value as a search would.
    planSearch(services.store.registry, request, { tenant: req.auth?.tenant ?? '' });
  }
}

function sendRouterResult(
  reply: FastifyReply,
  req: FastifyRequest,
  baseUrl: string,
  outcome: OperationOutcome,
  resource?: Resource
): FastifyReply {
  let status = statusOf(outcome);
  if (status >= 400) {
    throw new OperationOutcomeError(outcome);
  }
  if (!resource || isOperationOutcome(resource)) {
    return send(reply, req, { status, body: JSON.stringify(resource ?? outcome) });
  }
  const versionId = resource.meta?.versionId;
  // An update that created the resource is answered as a create.
  if (req.method === 'PUT' && status === 200 && createdByWrite.has(resource)) {
    status = 201;
  }
  const isWrite = req.method !== 'GET' && resource.resourceType !== 'Bundle';
  const result: FhirResult = {
    status,
    body: storedJson.get(resource) ?? JSON.stringify(resource),
    versionId,
    lastUpdated: resource.meta?.lastUpdated,
    location: isWrite && resource.id ? `${baseUrl}/${resource.resourceType}/${resource.id}` : undefined,
  };
  if (isWrite) {
    const prefer = String(req.headers.prefer ?? '');
    if (/return\s*=\s*minimal/i.test(prefer)) {
      result.body = '';
    } else if (/return\s*=\s*OperationOutcome/i.test(prefer)) {
      result.body = JSON.stringify(status === 201 ? created : allOk);
    }
  }
  return send(reply, req, result);
}

/**
 * Sends an interaction's result with the FHIR headers that belong to it. Handlers return the reply
 * so Fastify waits for it (large bodies are compressed asynchronously).
 */
export function send(reply: FastifyReply, req: FastifyRequest, result: FhirResult): FastifyReply {
  const type = responseType(req);
  if (result.subjects) {
    req.auditSubjects = result.subjects;
  }
  if (result.versionId) {
    reply.header('ETag', `W/"${result.versionId}"`);
  }
  if (result.lastUpdated) {
    reply.header('Last-Modified', new Date(result.lastUpdated).toUTCString());
  }
  if (result.location && result.versionId) {
    const url = `${result.location}/_history/${result.versionId}`;
    if (result.status === 201) {
      reply.header('Location', url);
    }
    reply.header('Content-Location', url);
  }
  reply.code(result.status);
  if (result.body === '') {
    return reply.send();
  }
  return reply.type(`${type}; charset=utf-8`).send(result.body);
}
