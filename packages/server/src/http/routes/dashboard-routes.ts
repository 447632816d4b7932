import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TailorError } from '@tailor/core';
import { Type } from 'typebox';

interface Asset {
  type: string;
  body: Buffer;
  gzipped: Buffer;
  etag: string;
}

interface Build {
  index: Asset;
  /** The hashed files under /dashboard/, by file name. */
  files: Map<string, Asset>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/**
 * The page may run only its own scripts and styles and talk only to this origin: the API key sits
 * in sessionStorage, so nothing from elsewhere may run beside it, and no other site may frame it.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/** The built dashboard, from the @tailor/web workspace (`npm run build` makes it). */
export function dashboardDir(): string {
  return dirname(createRequire(import.meta.url).resolve('@tailor/web/dist/index.html'));
}

function asset(body: Buffer, file: string): Asset {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 22);
  return {
    type: TYPES[extname(file)] ?? 'application/octet-stream',
    body,
    gzipped: gzipSync(body, { level: 9 }),
    etag: `"${hash}"`,
  };
}

function readBuild(dir: string | undefined): Build | undefined {
  try {
    const root = dir ?? dashboardDir();
    const files = new Map<string, Asset>();
    for (const name of readdirSync(join(root, 'dashboard'))) {
      files.set(name, asset(readFileSync(join(root, 'dashboard', name)), name));
    }
    return { index: asset(readFileSync(join(root, 'index.html')), 'index.html'), files };
  } catch {
    return undefined;
  }
}

function send(request: FastifyRequest, reply: FastifyReply, file: Asset, cache: string) {
  const gzip = /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
  const etag = gzip ? `${file.etag.slice(0, -1)}-gz"` : file.etag;
  void reply
    .header('cache-control', cache)
    .header('etag', etag)
    .header('vary', 'Accept-Encoding')
    .header('x-content-type-options', 'nosniff')
    .type(file.type);
  const match = request.headers['if-none-match'];
  if (match?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag))
    return reply.status(304).send();
  if (gzip) void reply.header('content-encoding', 'gzip');
  return reply.send(gzip ? file.gzipped : file.body);
}

/**
 * The dashboard (packages/web, docs/dashboard.md): GET / is its page, GET /dashboard/FILE its
 * hashed scripts and styles (cached for a year). Public, as the page holds no data: it asks for an
 * API key and reads everything through the API. Read once, at the first request that finds the
 * build, so a server started before `npm run build` serves it once built. Not in the OpenAPI
 * document: it is not part of the API.
 */
export const dashboardRoutes: FastifyPluginCallbackTypebox<{ dir?: string }> = (
  app,
  { dir },
  done,
) => {
  let build: Build | undefined;
  const built = (): Build => {
    build ??= readBuild(dir);
    if (!build) {
      throw new TailorError(
        'unavailable',
        'the dashboard is not built: run `npm run build` at the repository root',
      );
    }
    return build;
  };
  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const { index } = built();
    void reply.headers(PAGE_HEADERS);
    return send(request, reply, index, 'no-cache');
  });
  app.get(
    '/dashboard/:file',
    {
      config: { access: 'public' },
      schema: { hide: true, params: Type.Object({ file: Type.String({ maxLength: 200 }) }) },
    },
    async (request, reply) => {
      const file = built().files.get(request.params.file);
      if (file === undefined) {
        throw new TailorError('not_found', `no dashboard file ${request.params.file}`);
      }
      return send(request, reply, file, 'public, max-age=31536000, immutable');
    },
  );
  done();
};
