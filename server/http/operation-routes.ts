import { parseSearchRequest } from '@medplum/core';
import type { Resource, Subscription } from '@medplum/fhirtypes';
import { authorize } from '../auth/auth-context.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { eventsOperation, eventsRange, statusOperation } from '../../subscriptions/operations.ts';
import { validateOperation } from '../fhir/operations/validate.ts';
import { journalingAcknowledged } from '../fhir/operations/journaling-acknowledged.ts';
import { fhirpathOperation } from '../fhir/operations/fhirpath.ts';
import { FhirPathBusyError, fhirpathEvaluator } from '../fhirpath/pool.ts';
import type { QueryRecord } from '../fhir/search-request.ts';
import type { Services } from '../services.ts';
import { requestContext, send } from './fhir-routes.ts';
import { HttpError } from './negotiation.ts';

type Params = { type: string; id?: string };

/** FHIR operations (`$name`) on types and instances; each operation's logic lives in fhir/operations/. */
export function registerOperationRoutes(app: FastifyInstance, services: Services): void {
  const validate = async (req: FastifyRequest<{ Params: Params }>) => {
    // At instance level $validate reads the stored resource: only for who may read it (scopes,
    // and a vendor's need-to-know); whether it exists is for the operation to answer.
    const context = requestContext(services, req);
    if (req.params.id) {
      authorize(context.auth, 'r', req.params.type);
      if (services.needToKnow.limitsRead(context.auth, req.params.type)) {
        const stored = await services.store.readCurrent(context.tenant, req.params.type, req.params.id);
        if (stored?.content && !stored.deleted) {
          await services.needToKnow.require(context.auth, JSON.parse(stored.content) as Resource, 'validating');
        }
      }
    }
    return validateOperation(services.store, services.validator, context, {
      resourceType: req.params.type,
      id: req.params.id,
      body: req.body ?? undefined,
      query: req.query as Record<string, unknown>,
    });
  };
  for (const path of ['/fhir/:type/$validate', '/fhir/:type/:id/$validate']) {
    app.post<{ Params: Params }>(path, async (req, reply) => send(reply, req, await validate(req)));
    app.get<{ Params: Params }>(path, async (req, reply) => send(reply, req, await validate(req)));
  }
  app.post<{ Params: { type: string; id: string } }>('/fhir/:type/:id/$journaling-acknowledged', async (req, reply) => {
    const resource = await journalingAcknowledged(requestContext(services, req), services.repository, req.params.type, req.params.id);
    return send(reply, req, { status: 200, body: JSON.stringify(resource) });
  });
  // $fhirpath evaluates in worker threads under FHIRPATH_TIMEOUT_MS (fhirpath/pool.ts), started when
  // first needed and ended with the server.
  const evaluator = fhirpathEvaluator(services.config.fhirpathTimeoutMs);
  app.addHook('onClose', () => evaluator.close());
  const fhirpath = async (req: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const repo = services.repository(requestContext(services, req));
    const answer = await fhirpathOperation(repo, evaluator, req.params.type, req.params.id, req.query as QueryRecord).catch((err: unknown) => {
      if (err instanceof FhirPathBusyError) {
        // Every worker is taken and enough requests wait: the server's capacity, not this client's rate.
        reply.header('Retry-After', String(err.retryAfterSeconds));
        throw new HttpError(503, 'throttled', err.message);
      }
      throw err;
    });
    req.auditSubjects = answer.subjects;
    return send(reply, req, { status: 200, body: JSON.stringify(answer.parameters) });
  };
  app.get<{ Params: Params }>('/fhir/:type/$fhirpath', fhirpath);
  app.get<{ Params: Params }>('/fhir/:type/:id/$fhirpath', fhirpath);
  registerSubscriptionOperations(app, services);
}

/** $status and $events of the Subscriptions Backport IG; the subscription is read as a read would. */
function registerSubscriptionOperations(app: FastifyInstance, services: Services): void {
  const json = (body: object) => ({ status: 200, body: JSON.stringify(body) });
  app.get<{ Params: { id: string } }>('/fhir/Subscription/:id/$status', async (req, reply) => {
    const context = requestContext(services, req);
    const subscription = await services.repository(context).readResource<Subscription>('Subscription', req.params.id);
    return send(reply, req, json(await statusOperation(services.db, context.tenant, [subscription])));
  });
  app.get('/fhir/Subscription/$status', async (req, reply) => {
    const context = requestContext(services, req);
    const query = req.query as Record<string, string | string[] | undefined>;
    // `id` and `status` select as _id and status would in a search.
    const search: Record<string, string> = { _count: '1000' };
    const join = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(',') : v);
    if (query.id) {
      search._id = join(query.id) as string;
    }
    if (query.status) {
      search.status = join(query.status) as string;
    }
    const found = await services.repository(context).searchResources<Subscription>(parseSearchRequest('Subscription', search));
    return send(reply, req, json(await statusOperation(services.db, context.tenant, found)));
  });
  app.get<{ Params: { id: string } }>('/fhir/Subscription/:id/$events', async (req, reply) => {
    const context = requestContext(services, req);
    const subscription = await services.repository(context).readResource<Subscription>('Subscription', req.params.id);
    const range = eventsRange(req.query as Record<string, unknown>, subscription);
    return send(reply, req, json(await eventsOperation(services.db, context.tenant, context.baseUrl, subscription, range)));
  });
}
