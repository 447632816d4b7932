import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { TailorError } from '@tailor/core';

interface Bundle {
  code: Buffer;
  gzipped: Buffer;
  etag: string;
}

/** The built SDK, from the @tailor/sdk workspace (`npm run build` makes it). */
export function sdkBundlePath(): string {
  return createRequire(import.meta.url).resolve('@tailor/sdk/dist/tailor.min.js');
}

function readBundle(file: string | undefined): Bundle | undefined {
  try {
    const code = readFileSync(file ?? sdkBundlePath());
    const hash = createHash('sha256').update(code).digest('base64url').slice(0, 22);
    return { code, gzipped: gzipSync(code, { level: 9 }), etag: `"${hash}"` };
  } catch {
    return undefined;
  }
}

/**
 * GET /sdk/tailor.min.js: the browser SDK, public, cacheable for five minutes, gzipped for
 * browsers that take it. Read once (at the first request that finds it), so a server started
 * before the build still serves it once built.
 */
export const sdkRoutes: FastifyPluginCallbackTypebox<{ file?: string }> = (app, { file }, done) => {
  let bundle: Bundle | undefined;
  app.get(
    '/sdk/tailor.min.js',
    {
      config: { access: 'public', browser: true },
      schema: { tags: ['sdk'], summary: 'The browser SDK (window.tailor), minified' },
    },
    async (request, reply) => {
      bundle ??= readBundle(file);
      if (!bundle) {
        throw new TailorError(
          'unavailable',
          'the browser SDK is not built: run `npm run build` at the repository root',
        );
      }
      const gzip = /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
      const etag = gzip ? `${bundle.etag.slice(0, -1)}-gz"` : bundle.etag;
      void reply
        .header('cache-control', 'public, max-age=300')
        .header('etag', etag)
        .header('vary', 'Accept-Encoding')
        .header('x-content-type-options', 'nosniff')
        .type('application/javascript; charset=utf-8');
      const match = request.headers['if-none-match'];
      if (match?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag))
        return reply.status(304).send();
      if (gzip) void reply.header('content-encoding', 'gzip');
      return reply.send(gzip ? bundle.gzipped : bundle.code);
    },
  );
  done();
};
