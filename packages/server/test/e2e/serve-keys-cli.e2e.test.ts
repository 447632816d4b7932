import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../bin/tailor.js', import.meta.url));

let dir: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-serve-cli-'));
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** The environment without TAILOR_* variables: keys come from the data folder alone. */
function bareEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('TAILOR_')),
  );
}

interface Started {
  child: ChildProcess;
  url: string;
  stdout: string;
}

/** `tailor serve --port PORT` on `dir`: resolves once it listens, rejects with its output if it exits first. */
function serve(port: number): Promise<Started> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', String(port), '--data', join(dir, 'data'), '--log-level', 'warn'],
    {
      cwd: dir,
      env: bareEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m) resolve({ child, url: m[1] as string, stdout });
    });
    child.once('exit', (code) => {
      reject(Object.assign(new Error(`exited ${String(code)}`), { code, stdout, stderr }));
    });
  });
}

async function stop(started: Started): Promise<void> {
  const exited = new Promise((resolve) => started.child.once('exit', resolve));
  started.child.kill('SIGTERM');
  await exited;
}

function occupy(): Promise<Server & { port: number }> {
  const server = createServer();
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve(Object.assign(server, { port: (server.address() as { port: number }).port }));
    });
  });
}

describe('tailor serve on a port that is taken', () => {
  it('fails before making anything: no keys printed (they would be lost), no data folder', async () => {
    const busy = await occupy();
    try {
      const failed = await serve(busy.port).then(
        () => undefined,
        (e: unknown) => e as { code: number; stdout: string; stderr: string },
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toContain(`port ${busy.port} on 127.0.0.1 is in use`);
      expect(failed?.stdout).not.toMatch(/Created API keys/);
      expect(existsSync(join(dir, 'data'))).toBe(false);
    } finally {
      busy.close();
    }
  }, 30_000);
});

describe('keys after the first start', () => {
  it('says how to make a new admin key, and `tailor keys create` makes one the restarted server accepts', async () => {
    const first = await serve(0);
    expect(first.stdout).toMatch(/Created API keys/);
    await stop(first);

    const second = await serve(0);
    expect(second.stdout).not.toMatch(/Created API keys/);
    expect(second.stdout).toContain(
      `npx tailor keys create NAME --role admin --data ${join(dir, 'data')}`,
    );
    expect(second.stdout).toContain('TAILOR_ADMIN_KEY');

    // Made beside the running server: printed once on stdout, taken once the server restarts.
    const made = await run(
      process.execPath,
      [CLI, 'keys', 'create', 'ops', '--role', 'admin', '--data', join(dir, 'data')],
      { env: bareEnv() },
    );
    const key = made.stdout.trim();
    expect(key).toMatch(/^ta_[\w-]{20,}$/);
    expect(made.stderr).toMatch(/Created the admin key ops/);
    expect(made.stderr).toMatch(/accepts the key once restarted/);
    await stop(second);

    const third = await serve(0);
    const audit = await fetch(`${third.url}/v1/audit`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(audit.status).toBe(200);
    const keys = (await (
      await fetch(`${third.url}/v1/keys`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as {
      keys: { name: string; role: string }[];
    };
    expect(keys.keys).toContainEqual(expect.objectContaining({ name: 'ops', role: 'admin' }));
    await stop(third);

    // A name in use is not silently replaced; an unknown role is refused.
    await expect(
      run(
        process.execPath,
        [CLI, 'keys', 'create', 'ops', '--role', 'viewer', '--data', join(dir, 'data')],
        { env: bareEnv() },
      ),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/a key named ops \(admin\) exists.*--replace/),
    });
    await expect(
      run(
        process.execPath,
        [CLI, 'keys', 'create', 'x', '--role', 'root', '--data', join(dir, 'data')],
        { env: bareEnv() },
      ),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/Allowed choices are write, viewer, marketer, admin/),
    });
  }, 60_000);
});

describe('tailor --version', () => {
  it("prints the package's version", async () => {
    const { version } = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    for (const flag of ['--version', '-V']) {
      const { stdout } = await run(process.execPath, [CLI, flag]);
      expect(stdout).toBe(`${version}\n`);
    }
  });
});
