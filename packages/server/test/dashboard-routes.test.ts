import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleError } from '../src/http/error-handler.js';
import { dashboardRoutes } from '../src/http/routes/dashboard-routes.js';

// How GET / and /dashboard/FILE serve a build (a small stand-in here; the real one is driven in
// Chromium by dashboard-browser.test.ts).

const INDEX = '<!doctype html><script type="module" src="/dashboard/index-abc.js"></script>';
const SCRIPT = 'console.log("dashboard");'.repeat(50);

let dir: string;
let app: FastifyInstance;

async function appFor(folder: string): Promise<FastifyInstance> {
  const server = Fastify();
  server.setErrorHandler(handleError);
  await server.register(dashboardRoutes, { dir: folder });
  return server;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-dashboard-'));
  mkdirSync(join(dir, 'dashboard'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'dashboard', 'index-abc.js'), SCRIPT);
  writeFileSync(join(dir, 'dashboard', 'index-abc.css'), 'body{margin:0}');
  app = await appFor(dir);
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the dashboard routes', () => {
  it('serve the page at / with headers that keep other sites and scripts away from the key', async () => {
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(INDEX);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('serve the hashed files gzipped, cached for a year, with a 304 for a known ETag', async () => {
    const res = await app.inject({
      url: '/dashboard/index-abc.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(gunzipSync(res.rawPayload).toString()).toBe(SCRIPT);
    const again = await app.inject({
      url: '/dashboard/index-abc.js',
      headers: { 'accept-encoding': 'gzip', 'if-none-match': String(res.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    const css = await app.inject({ url: '/dashboard/index-abc.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toBe('body{margin:0}');
  });

  it('answer 404 for any file the build does not hold', async () => {
    for (const url of ['/dashboard/missing.js', '/dashboard/..%2Findex.html', '/dashboard/']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
    }
  });

  it('answer 503 naming the build step when the dashboard is not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tailor-dashboard-'));
    const unbuilt = await appFor(empty);
    try {
      const res = await unbuilt.inject({ url: '/' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'unavailable', message: /npm run build/ });
    } finally {
      await unbuilt.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
