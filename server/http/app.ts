import { randomUUID } from 'node:crypto';
import compress from '@fastify/compress';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';
import { setFaultLog } from '../log.ts';
import { registerAuth } from './auth-routes.ts';
import { registerAuditHook } from './audit-hook.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { registerErrorHandler } from './errors.ts';
import { registerFhirRoutes } from './fhir-routes.ts';
import { registerGuide } from './guide-routes.ts';
import { registerHealth } from './health.ts';
import { registerOperationRoutes } from './operation-routes.ts';
import { registerBodyParsers } from './negotiation.ts';

export interface AppOptions {
  /** Where log lines go (standard output when absent). */
  logStream?: { write(line: string): void };
}

/** Builds the HTTP server: logging with request ids, gzip, body limits, FHIR routes and health. */
export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: services.config.bodyLimit,
    logger: {
      level: services.config.logLevel,
      ...(options.logStream ? { stream: options.logStream } : {}),
      // Paths only: query strings can carry identifiers such as a fødselsnummer.
      serializers: {
        req: (req) => ({ method: req.method, path: req.url.split('?')[0], requestId: req.id }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
      redact: ['req.headers.authorization', 'req.headers.dpop', 'req.headers.cookie'],
    },
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    },
    routerOptions: { maxParamLength: 200 },
  });
  setFaultLog(app.log);
  // Background work that queries the database stops with the server, before its database closes.
  app.addHook('onClose', async () => {
    await services.customParams.stop();
    await services.reindex.stop();
  });
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('X-Request-Id', req.id);
    // NUL can be neither an id nor a search value, and PostgreSQL refuses it in text: a 400 here,
    // before it reaches a query as an encoding error.
    if (/%00/.test(req.url)) {
      reply.code(400).type('application/fhir+json').send({
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'invalid', details: { text: 'The request URL contains a NUL character (%00)' } }],
      });
      return;
    }
    done();
  });
  // Before compression: the audit hook reads the answer to learn which patients it concerned.
  registerAuditHook(app, services);
  await app.register(compress, { global: true, threshold: 1024, encodings: ['gzip', 'deflate'] });
  registerBodyParsers(app);
  registerErrorHandler(app);
  registerHealth(app, services);
  registerAuth(app, services);
  registerFhirRoutes(app, services);
  registerOperationRoutes(app, services);
  registerAdminRoutes(app, services);
  await registerGuide(app);
  return app;
}
