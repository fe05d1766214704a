/** The server serves the built guide at /ig/, and answers 404 with a hint when it has not been built. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, test } from 'vitest';
import { registerGuide } from '../../server/http/guide-routes.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('/ig/', () => {
  test('serves the files of a built guide, with /ig redirected to /ig/', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kp-ig-serve-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'index.html'), '<!DOCTYPE html><title>Home</title>');
    writeFileSync(join(dir, 'StructureDefinition-x.html'), '<!DOCTYPE html><title>X</title>');
    const app = Fastify();
    await registerGuide(app, dir);
    const home = await app.inject('/ig/');
    expect(home.statusCode).toBe(200);
    expect(home.headers['content-type']).toMatch(/^text\/html/);
    expect(home.body).toContain('<title>Home</title>');
    expect((await app.inject('/ig/StructureDefinition-x.html')).body).toContain('<title>X</title>');
    const bare = await app.inject('/ig');
    expect(bare.statusCode).toBe(301);
    expect(bare.headers.location).toBe('/ig/');
    expect((await app.inject('/ig/nothing.html')).statusCode).toBe(404);
    await app.close();
  });

  test('no spelling of a path leads out of the guide folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kp-ig-escape-'));
    dirs.push(dir);
    const site = join(dir, 'site');
    mkdirSync(site);
    writeFileSync(join(site, 'index.html'), '<!DOCTYPE html><title>Home</title>');
    // Beside the site, where a traversal would land.
    writeFileSync(join(dir, 'secret.txt'), 'TOP-SECRET-BESIDE-THE-SITE');
    const app = Fastify();
    await registerGuide(app, site);
    for (const path of ['../secret.txt', '%2e%2e/secret.txt', '..%2fsecret.txt', '%2e%2e%2fsecret.txt', '..%5csecret.txt', '..\\secret.txt', '/../secret.txt', '.%2e/secret.txt']) {
      const res = await app.inject({ method: 'GET', url: `/ig/${path}` });
      expect(res.body, path).not.toContain('TOP-SECRET');
      expect(res.statusCode, path).toBeGreaterThanOrEqual(300);
    }
    // The check can fail: the same file inside the site is served.
    writeFileSync(join(site, 'secret.txt'), 'TOP-SECRET-INSIDE');
    expect((await app.inject('/ig/secret.txt')).body).toContain('TOP-SECRET-INSIDE');
    await app.close();
  });

  test('answers 404 with a hint to run npm run ig when the guide has not been built', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kp-ig-empty-'));
    dirs.push(dir);
    const app = Fastify();
    await registerGuide(app, dir);
    for (const url of ['/ig', '/ig/', '/ig/index.html']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).toContain('npm run ig');
    }
    await app.close();
  });
});
