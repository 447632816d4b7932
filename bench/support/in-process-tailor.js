// Opens Tailor in this process on a fresh temporary data folder (or one given), with an admin key
// and the HTTP app answering through `inject` (no socket), for benchmarks that time the server's
// own work.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../packages/server/dist/config/load-config.js';
import { buildApp } from '../../packages/server/dist/http/build-app.js';
import { openTailor } from '../../packages/server/dist/open-tailor.js';

export const ADMIN_KEY = 'bench-admin-key-0001';

/**
 * `{ dir, tailor, app, call, close }`: `call(method, url, payload)` answers the JSON body of a 200
 * with the admin key, and throws on any other status; `close()` closes both and removes the folder
 * (unless `keep`). `dir`: a data folder to open instead of a new one; `open`: openTailor's options.
 */
export async function openInProcessTailor(prefix, { dir: given, keep = false, open = {} } = {}) {
  const dir = given ?? mkdtempSync(join(tmpdir(), prefix));
  const config = loadConfig({
    flags: { dataDir: dir, logLevel: 'warn', keys: { writeRateLimitPerIp: null } },
    env: {},
    cwd: dir,
  });
  const tailor = await openTailor(config, Date.now, open);
  await tailor.keys.create('bench-admin', 'admin', new Date(), ADMIN_KEY);
  const app = await buildApp({ tailor, logger: { level: 'warn', stream: { write() {} } } });
  await app.ready();
  const call = async (method, url, payload) => {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      ...(payload !== undefined && { payload }),
    });
    if (res.statusCode !== 200) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const close = async () => {
    await app.close();
    await tailor.close();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };
  return { dir, tailor, app, call, close };
}
