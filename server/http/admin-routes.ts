import { OperationOutcomeError } from '@medplum/core';
import type { JSONWebKeySet } from 'jose';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientRole, ServiceCode } from '../auth/clients.ts';
import type { Services } from '../services.ts';
import { forbidden } from '../auth/auth-context.ts';
import { badRequest } from '@medplum/core';
import { isKnownResourceType } from '../fhir/definitions.ts';
import { enqueueJob, listJobs, openJobs, readJob } from '../store/reindex/jobs.ts';

/**
 * The admin API: a municipality's administrator client registers the vendors' and patient-record
 * systems' clients of its own municipality and rotates their keys, with the same token and DPoP
 * proof as any request (the auth hook covers /admin). Creating a municipality is the operator's
 * (`npm run admin -- tenant create`). Answers are JSON; errors are OperationOutcomes.
 */

interface ClientBody {
  id?: string;
  name?: string;
  role?: ClientRole;
  serviceCodes?: ServiceCode[];
  scopes?: string[];
  jwks?: JSONWebKeySet;
  jwksUri?: string;
}

const notFound = (what = 'client'): OperationOutcomeError =>
  new OperationOutcomeError({ resourceType: 'OperationOutcome', id: 'not-found', issue: [{ severity: 'error', code: 'not-found', details: { text: `No such ${what}` } }] });

/** The caller's municipality, if the caller is an administrator client of it. */
function administeredTenant(req: FastifyRequest): string {
  if (!req.auth || req.auth.role !== 'admin') {
    throw forbidden('The admin API is for administrator clients');
  }
  return req.auth.tenant;
}

export function registerAdminRoutes(app: FastifyInstance, services: Services): void {
  const clients = services.auth.clients;
  const send = (reply: FastifyReply, status: number, body: unknown) => reply.code(status).header('cache-control', 'no-store').send(body);

  app.get('/admin/tenant', async (req, reply) => send(reply, 200, await clients.tenant(administeredTenant(req))));

  app.post('/admin/clients', async (req, reply) => {
    const tenant = administeredTenant(req);
    const body = (req.body ?? {}) as ClientBody;
    const client = await clients.registerClient({
      // Not coerced: a registration of the wrong shape is refused by the registry (400), not guessed at.
      id: body.id as string,
      tenant,
      name: (body.name ?? body.id) as string,
      role: body.role as ClientRole,
      serviceCodes: body.serviceCodes ?? [],
      scopes: body.scopes,
      jwks: body.jwks,
      jwksUri: body.jwksUri,
    });
    return send(reply, 201, client);
  });

  app.get<{ Params: { id: string } }>('/admin/clients/:id', async (req, reply) => {
    const tenant = administeredTenant(req);
    const client = await clients.client(req.params.id);
    if (!client || client.tenant !== tenant) {
      throw notFound(); // another municipality's client: as if there were none
    }
    return send(reply, 200, client);
  });

  app.put<{ Params: { id: string } }>('/admin/clients/:id/keys', async (req, reply) => {
    const tenant = administeredTenant(req);
    const current = await clients.client(req.params.id);
    if (!current || current.tenant !== tenant) {
      throw notFound();
    }
    const body = (req.body ?? {}) as ClientBody;
    return send(reply, 200, await clients.rotateKeys(req.params.id, { jwks: body.jwks, jwksUri: body.jwksUri }));
  });

  registerReindexRoutes(app, services, send);
}

/**
 * Re-index jobs: their progress, for the jobs a new or changed SearchParameter started, and a job
 * an operator starts to build every index row of some types again (rows an upgrade added, such as
 * UCUM-normalised quantities, for data written before it). Jobs concern the whole server; they
 * hold no personal data.
 */
function registerReindexRoutes(app: FastifyInstance, services: Services, send: (reply: FastifyReply, status: number, body: unknown) => FastifyReply): void {
  app.get('/admin/reindex-jobs', async (req, reply) => {
    administeredTenant(req);
    return send(reply, 200, await listJobs(services.db));
  });

  app.get<{ Params: { id: string } }>('/admin/reindex-jobs/:id', async (req, reply) => {
    administeredTenant(req);
    const job = /^\d{1,15}$/.test(req.params.id) ? await readJob(services.db, Number(req.params.id)) : undefined;
    if (!job) {
      throw notFound('re-index job');
    }
    return send(reply, 200, job);
  });

  app.post('/admin/reindex-jobs', async (req, reply) => {
    administeredTenant(req);
    const types = (req.body as { resourceTypes?: unknown } | undefined)?.resourceTypes;
    if (!Array.isArray(types) || types.length === 0 || !types.every((t) => typeof t === 'string' && isKnownResourceType(t))) {
      throw new OperationOutcomeError(badRequest('resourceTypes must be a list of R4 resource types', 'resourceTypes'));
    }
    const resourceTypes = [...new Set(types as string[])].sort();
    // The same job asked for again while it is open is that job, not another full pass.
    const open = (await openJobs(services.db)).find((j) => !j.params && j.resourceTypes.join() === resourceTypes.join());
    const job = open ?? (await enqueueJob(services.db, { resourceTypes, reason: 'requested by an administrator' }));
    services.reindex.wake();
    return reply.code(202).header('cache-control', 'no-store').header('location', `/admin/reindex-jobs/${job.id}`).send(job);
  });
}
