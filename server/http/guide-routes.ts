import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where `npm run ig` writes the implementation guide. */
export const GUIDE_DIR = new URL('../../build/ig/', import.meta.url).pathname;

const NOT_BUILT = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Implementation guide not built</title></head>
<body><main><h1>The implementation guide has not been built</h1>
<p>Run <code>npm run ig</code> and restart the server to serve it here.</p></main></body></html>
`;

/**
 * Serves the implementation guide's static site at /ig/ (no authentication: it is public
 * documentation). When it has not been built, /ig/ answers 404 with a hint instead, and the server
 * starts all the same.
 */
export async function registerGuide(app: FastifyInstance, dir = GUIDE_DIR): Promise<void> {
  if (existsSync(join(dir, 'index.html'))) {
    await app.register(fastifyStatic, { root: dir, prefix: '/ig/', decorateReply: false });
    // The site's links are relative: they resolve against /ig/, never against /ig.
    app.get('/ig', async (_req, reply) => reply.redirect('/ig/', 301));
    return;
  }
  const notBuilt = async (_req: unknown, reply: FastifyReply) => reply.code(404).type('text/html; charset=utf-8').send(NOT_BUILT);
  app.get('/ig', notBuilt);
  app.get('/ig/*', notBuilt);
}
