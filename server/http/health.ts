import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';

/** GET /healthz: 200 when storage answers, 503 when it does not. */
export function registerHealth(app: FastifyInstance, services: Services): void {
  app.get('/healthz', async (_req, reply) => {
    try {
      await services.db.query('SELECT 1');
      return reply.send({ status: 'ok', storage: services.db.engine });
    } catch {
      return reply.code(503).send({ status: 'unavailable', storage: services.db.engine });
    }
  });
}
