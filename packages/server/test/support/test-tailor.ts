import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { StoredMessage } from '@tailor/core';
import { loadConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config.schema.js';
import { buildApp } from '../../src/http/build-app.js';
import { openTailor, type OpenOptions, type Tailor } from '../../src/open-tailor.js';

export const WRITE_KEY = 'test-write-key-0001';
export const ADMIN_KEY = 'test-admin-key-0001';

export interface TestTailor {
  dir: string;
  tailor: Tailor;
  app: FastifyInstance;
  /** Basic auth header for the write key, as Segment clients send it. */
  writeAuth: string;
  adminAuth: string;
  /**
   * Posts messages as one batch with the write key (expecting every one accepted), then folds
   * everything logged so far, the decisions made included; with `drain`, webhooks are sent too.
   */
  collect(batch: readonly Record<string, unknown>[], options?: { drain?: boolean }): Promise<void>;
  /** POSTs a body with the write key as JSON (headers may change both); a string or Buffer is sent as it is. */
  post(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  /** A request with the admin key, with a JSON body when one is given. */
  admin(
    method: 'GET' | 'PUT' | 'POST' | 'DELETE',
    path: string,
    body?: object,
  ): Promise<LightMyRequestResponse>;
  /** A person's stored events (GET /v1/events with the admin key, up to 1,000), expecting a 200. */
  eventsOf(userId: string): Promise<StoredMessage[]>;
  /** Closes the app and the Tailor, keeping the data folder (to look at its files before `reopen`). */
  shut(): Promise<void>;
  /**
   * Opens a Tailor and its app again on the same data folder with the same settings (a restart;
   * shuts first when still open), with this clock when one is given.
   */
  reopen(now?: () => number): Promise<void>;
  /** Closes whichever Tailor and app are open and removes the data folder. */
  close(): Promise<void>;
}

/** Settings to change; what a section leaves out takes its default, as in a config file. */
export type ConfigOverrides = {
  [K in keyof Config]?: Config[K] extends readonly unknown[]
    ? Config[K]
    : Config[K] extends object
      ? Partial<Config[K]>
      : Config[K];
};

/**
 * A Tailor on a fresh temporary data folder with known keys, for app.inject() tests. Tests send
 * many requests from one address with the write key: its per-address limit is off unless a test
 * sets `keys`. Decide's time budget is 10 s unless a test sets `decide`: on a loaded machine a
 * decision can pass the default 50 ms and fall back for a reason the test is not about.
 */
export async function startTestTailor(
  overrides: ConfigOverrides = {},
  now?: () => number,
  options: OpenOptions = {},
): Promise<TestTailor> {
  const dir = mkdtempSync(join(tmpdir(), 'tailor-test-'));
  const flags = {
    dataDir: dir,
    logLevel: 'silent',
    keys: { writeRateLimitPerIp: null },
    decide: { budgetMs: 10_000 },
    ...overrides,
  };
  const config = loadConfig({ flags, env: {}, cwd: dir });
  const tailor = await openTailor(config, now, options);
  await tailor.keys.create('test-write', 'write', new Date(), WRITE_KEY);
  await tailor.keys.create('test-admin', 'admin', new Date(), ADMIN_KEY);
  const app = await buildApp({ tailor, logger: false });
  await app.ready();
  const writeAuth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;
  let open = true;
  return {
    dir,
    tailor,
    app,
    writeAuth,
    adminAuth: `Bearer ${ADMIN_KEY}`,
    post(this: TestTailor, path, body, headers = {}) {
      return this.app.inject({
        method: 'POST',
        url: path,
        headers: { authorization: this.writeAuth, 'content-type': 'application/json', ...headers },
        payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
      });
    },
    admin(this: TestTailor, method, path, body) {
      return this.app.inject({
        method,
        url: path,
        headers: { authorization: this.adminAuth },
        ...(body !== undefined && { payload: body }),
      });
    },
    async eventsOf(this: TestTailor, userId) {
      const res = await this.app.inject({
        url: `/v1/events?userId=${encodeURIComponent(userId)}&limit=1000`,
        headers: { authorization: this.adminAuth },
      });
      if (res.statusCode !== 200)
        throw new Error(`events of ${userId}: ${res.statusCode} ${res.body}`);
      return res.json<{ events: StoredMessage[] }>().events;
    },
    // Through `this`, so a test that swaps in a reopened Tailor and app collects into those.
    async collect(this: TestTailor, batch, options = {}) {
      if (batch.length > 0) {
        const res = await this.app.inject({
          method: 'POST',
          url: '/v1/batch',
          headers: { authorization: this.writeAuth },
          payload: { batch },
        });
        const answer = res.json<{ rejected?: unknown[] }>();
        if (res.statusCode !== 200 || (answer.rejected ?? []).length > 0)
          throw new Error(`collect: ${res.statusCode} ${res.body}`);
      }
      this.tailor.flushDecisions();
      await this.tailor.pipeline.catchUp();
      if (options.drain === true) await this.tailor.dispatcher.drain();
    },
    async shut(this: TestTailor) {
      if (!open) return;
      open = false;
      await this.app.close();
      await this.tailor.close();
    },
    async reopen(this: TestTailor, clock = now) {
      await this.shut();
      this.tailor = await openTailor(config, clock, options);
      this.app = await buildApp({ tailor: this.tailor, logger: false });
      await this.app.ready();
      open = true;
    },
    async close(this: TestTailor) {
      await this.shut();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
