import type { FastifyInstance, FastifyRequest } from 'fastify';
import { validateOperation } from '../fhir/operations/validate.ts';
import type { Services } from '../services.ts';
import { requestContext, send } from './fhir-routes.ts';

type Params = { type: string; id?: string };

/** FHIR operations (`$name`) on types and instances; each operation's logic lives in fhir/operations/. */
export function registerOperationRoutes(app: FastifyInstance, services: Services): void {
  const validate = async (req: FastifyRequest<{ Params: Params }>) =>
    validateOperation(services.store, services.validator, requestContext(services, req), {
      resourceType: req.params.type,
      id: req.params.id,
      body: req.body ?? undefined,
      query: req.query as Record<string, unknown>,
    });
  for (const path of ['/fhir/:type/$validate', '/fhir/:type/:id/$validate']) {
    app.post<{ Params: Params }>(path, async (req, reply) => send(reply, req, await validate(req)));
    app.get<{ Params: Params }>(path, async (req, reply) => send(reply, req, await validate(req)));
  }
}
