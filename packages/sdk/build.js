// Bundles src/index.ts into dist/tailor.min.js: one minified IIFE that sets window.tailor.
// Written to a temporary file and renamed, so a reader (the server, a test) never sees half a file.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = new URL('.', import.meta.url);
const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const out = new URL('dist/tailor.min.js', root);

const result = await build({
  entryPoints: [new URL('src/index.ts', root).pathname],
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  platform: 'browser',
  legalComments: 'none',
  banner: { js: `/*! tailor.js ${version} | Apache-2.0 */` },
  define: { __TAILOR_VERSION__: JSON.stringify(version) },
  write: false,
  logLevel: 'warning',
});
const code = result.outputFiles[0].contents;
mkdirSync(new URL('dist/', root), { recursive: true });
const temporary = new URL(`dist/.tailor.min.js.${process.pid}.tmp`, root);
writeFileSync(temporary, code);
renameSync(temporary, out);
if (!process.argv.includes('--quiet')) {
  console.log(
    `packages/sdk/dist/tailor.min.js: ${code.length} bytes, ${gzipSync(code, { level: 9 }).length} gzipped`,
  );
}
