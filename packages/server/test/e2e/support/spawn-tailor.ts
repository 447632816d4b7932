import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs the built `tailor serve` as a child process, the way an operator starts it, for end-to-end
 * tests: a real port, a real data folder, real signals. Needs `npm run build` (npm test does it).
 */

/** The same keys as test/support/test-tailor.ts; not imported, so e2e tests load no server source. */
export const WRITE_KEY = 'test-write-key-0001';
export const ADMIN_KEY = 'test-admin-key-0001';
/** The write key as Segment clients send it: HTTP Basic user name, empty password. */
export const WRITE_AUTH = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;
export const ADMIN_AUTH = `Bearer ${ADMIN_KEY}`;

const CLI = fileURLToPath(new URL('../../../bin/tailor.js', import.meta.url));
const BUILT_MAIN = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));
const LISTENING = /listening on (http:\/\/127\.0\.0\.1:(\d+))/;

export interface SpawnOptions {
  /** Data folder; a fresh temporary one when absent. Pass a previous run's `dir` to restart on it. */
  dir?: string;
  /** How long to wait for the `listening on` line. */
  startTimeoutMs?: number;
  /** Passed to --log-level; `warn` keeps the output small but still shows trouble. */
  logLevel?: string;
  /** Extra environment variables (TAILOR_* from the test's own environment are not inherited). */
  env?: Record<string, string>;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnedTailor {
  url: string;
  port: number;
  dir: string;
  process: ChildProcess;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when the child has exited (at once if it already has). */
  exited: Promise<Exit>;
  /**
   * Sends `signal` and resolves with the exit code (null when a signal ended the process, as
   * SIGKILL does). If the child is still running after `timeoutMs` it is killed and this rejects.
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

const running = new Set<ChildProcess>();
const tempDirs = new Set<string>();

// A last resort for a test run that ends without cleanup (a crash of the runner): never leak a server.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts `tailor serve --port 0` and resolves once it accepts requests. */
export async function spawnTailor(options: SpawnOptions = {}): Promise<SpawnedTailor> {
  if (!existsSync(BUILT_MAIN)) {
    throw new Error(`${BUILT_MAIN} is missing: run \`npm run build\` before the e2e tests`);
  }
  let dir = options.dir;
  if (dir === undefined) {
    dir = mkdtempSync(join(tmpdir(), 'tailor-e2e-'));
    tempDirs.add(dir);
  }
  // Tests send many requests from one address with the write key: its per-address limit is off
  // (a test's own TAILOR_CONFIG replaces this file).
  const configFile = join(dir, 'tailor.config.json');
  if (!existsSync(configFile))
    writeFileSync(configFile, JSON.stringify({ keys: { writeRateLimitPerIp: null } }), {
      mode: 0o600,
    });
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('TAILOR_')) env[name] = value;
  }
  Object.assign(env, { TAILOR_WRITE_KEY: WRITE_KEY, TAILOR_ADMIN_KEY: ADMIN_KEY }, options.env);

  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--data',
      dir,
      '--log-level',
      options.logLevel ?? 'warn',
    ],
    // cwd is the data folder, so no ./tailor.config.json of the repo or the runner is read.
    { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });

  let out = '';
  const output = (): string => out;
  // Both pipes are always drained, so a chatty child never blocks on a full pipe.
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    out += chunk;
  });

  // Generous: on a loaded machine a start takes tens of seconds; its speed is measured in bench/.
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  let address: { url: string; port: number };
  try {
    address = await new Promise<{ url: string; port: number }>((resolve, reject) => {
      let stdout: string | undefined = '';
      const timer = setTimeout(() => {
        reject(new Error(`tailor serve did not print "listening on" within ${startTimeoutMs} ms`));
      }, startTimeoutMs);
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        if (stdout === undefined) return;
        stdout += chunk;
        const m = LISTENING.exec(stdout);
        if (m) {
          stdout = undefined;
          clearTimeout(timer);
          resolve({ url: m[1]!, port: Number(m[2]) });
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(
          new Error(
            `tailor serve exited before listening (code ${String(code)}, signal ${String(signal)})`,
          ),
        );
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${(error as Error).message}\n--- output of tailor serve ---\n${out}`, {
      cause: error,
    });
  }

  return {
    ...address,
    dir,
    process: child,
    output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<number | null> {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(
            new Error(
              `tailor serve did not exit within ${timeoutMs} ms of ${signal}\n--- output ---\n${out}`,
            ),
          );
        }, timeoutMs);
      });
      try {
        return (await Promise.race([exited, timeout])).code;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Kills every server still running and removes the temporary data folders made by spawnTailor.
 * Call it in afterEach/afterAll, so nothing leaks when a test fails half-way.
 */
export async function cleanupTailors(): Promise<void> {
  const children = [...running];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
          }
          child.once('exit', () => {
            resolve();
          });
          child.kill('SIGKILL');
        }),
    ),
  );
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** Every event of one person, following `next` cursors through all pages. */
export async function readAllEvents(
  url: string,
  who: { userId: string } | { anonymousId: string },
  pageSize = 1000,
): Promise<Record<string, unknown>[]> {
  const events: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ ...who, limit: String(pageSize) });
    if (cursor !== null) query.set('cursor', cursor);
    const response = await fetch(`${url}/v1/events?${query.toString()}`, {
      headers: { authorization: ADMIN_AUTH },
    });
    if (response.status !== 200)
      throw new Error(`GET /v1/events: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as {
      events: Record<string, unknown>[];
      next: string | null;
    };
    events.push(...page.events);
    cursor = page.next;
  } while (cursor !== null);
  return events;
}

/**
 * POSTs a JSON body to a collection route with the write key. fetch keeps connections alive in a
 * process-wide pool; `keepAlive: false` sends `Connection: close`, one connection per request.
 */
export function postCollect(
  url: string,
  route: string,
  body: unknown,
  { auth = WRITE_AUTH, keepAlive = true }: { auth?: string; keepAlive?: boolean } = {},
): Promise<Response> {
  return fetch(`${url}${route}`, {
    method: 'POST',
    headers: {
      authorization: auth,
      'content-type': 'application/json',
      ...(!keepAlive && { connection: 'close' }),
    },
    body: JSON.stringify(body),
  });
}

export type Message = Record<string, unknown> & { messageId: string };

export interface LoadResult {
  /** Batches answered 200 with every message stored: the server promised to keep them. */
  acknowledged: Message[][];
  /** Requests that got another status or no answer (the server went away under them). */
  failed: number;
}

export interface Load {
  /** Lets each loop finish its current request, then resolves with what was acknowledged. */
  stop(): Promise<LoadResult>;
  /** Resolves when every loop has ended, by stop() or because the server stopped answering. */
  done: Promise<LoadResult>;
}

/**
 * `concurrency` loops, each POSTing /v1/batch with `batchSize` fresh messageIds back to back. A loop
 * ends at its first failed request (connection refused or reset, a non-200 status), so killing the
 * server ends the load.
 */
export function startLoad(
  url: string,
  options: { concurrency: number; batchSize: number; label: string; keepAlive?: boolean },
): Load {
  const acknowledged: Message[][] = [];
  let failed = 0;
  let stopped = false;
  let seq = 0;
  const loop = async (worker: number): Promise<void> => {
    while (!stopped) {
      const n = seq++;
      const batch: Message[] = Array.from({ length: options.batchSize }, (_, i) => ({
        type: 'track',
        messageId: randomUUID(),
        userId: `${options.label}-user-${(n * options.batchSize + i) % 50}`,
        event: 'Load Event',
        properties: { worker, request: n, index: i },
      }));
      try {
        const response = await postCollect(
          url,
          '/v1/batch',
          { batch },
          { keepAlive: options.keepAlive ?? true },
        );
        if (response.status !== 200) {
          failed++;
          await response.body?.cancel();
          return;
        }
        const body = (await response.json()) as {
          stored: number;
          duplicates: number;
          rejected: unknown[];
        };
        if (body.stored !== batch.length)
          throw new Error(`batch of ${batch.length} fresh messages: ${JSON.stringify(body)}`);
        acknowledged.push(batch);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('batch of')) throw error;
        failed++;
        return;
      }
    }
  };
  const done = Promise.all(Array.from({ length: options.concurrency }, (_, w) => loop(w))).then(
    () => ({ acknowledged, failed }),
  );
  return {
    done,
    stop() {
      stopped = true;
      return done;
    },
  };
}
