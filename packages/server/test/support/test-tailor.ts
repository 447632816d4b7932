import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config.schema.js';
import { buildApp } from '../../src/http/build-app.js';
import { openTailor, type Tailor } from '../../src/open-tailor.js';

export const WRITE_KEY = 'test-write-key-0001';
export const ADMIN_KEY = 'test-admin-key-0001';

export interface TestTailor {
  dir: string;
  tailor: Tailor;
  app: FastifyInstance;
  /** Basic auth header for the write key, as Segment clients send it. */
  writeAuth: string;
  adminAuth: string;
  close(): Promise<void>;
}

/** A Tailor on a fresh temporary data folder with known keys, for app.inject() tests. */
export async function startTestTailor(overrides: Partial<Config> = {}, now?: () => number): Promise<TestTailor> {
  const dir = mkdtempSync(join(tmpdir(), 'tailor-test-'));
  const config = loadConfig({ flags: { dataDir: dir, logLevel: 'silent', ...overrides }, env: {}, cwd: dir });
  const tailor = await openTailor(config, now);
  await tailor.keys.create('test-write', 'write', new Date(), WRITE_KEY);
  await tailor.keys.create('test-admin', 'admin', new Date(), ADMIN_KEY);
  const app = await buildApp({ tailor, logger: false });
  await app.ready();
  return {
    dir,
    tailor,
    app,
    writeAuth: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
    adminAuth: `Bearer ${ADMIN_KEY}`,
    async close() {
      await app.close();
      await tailor.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
