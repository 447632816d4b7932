// Starts `tailor serve` on a fresh temporary data folder for a benchmark, with known keys.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WRITE_KEY = 'bench-write-key-0001';
export const ADMIN_KEY = 'bench-admin-key-0001';
const BIN = join(dirname(fileURLToPath(import.meta.url)), '../../packages/server/bin/tailor.js');

/**
 * Resolves once the server listens: its URL, its process id, and `stop()` (SIGTERM, wait, remove the folder).
 * `config` is written to the folder as the server's config file, with the write key's per-address
 * limit off (a benchmark sends everything from one address).
 */
export async function serveTailor(prefix, config = {}) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'tailor.config.json');
  writeFileSync(
    file,
    JSON.stringify({ ...config, keys: { writeRateLimitPerIp: null, ...config.keys } }),
  );
  const configEnv = { TAILOR_CONFIG: file };
  // BENCH_NODE_ARGS: extra node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=bench/.work/prof";
  // BENCH_SERVER_OUT: a file to append the server's standard output to (e.g. with --trace-gc).
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  const child = spawn(
    process.execPath,
    [...nodeArgs, BIN, 'serve', '--port', '0', '--data', dir, '--log-level', 'warn'],
    {
      env: {
        ...process.env,
        TAILOR_WRITE_KEY: WRITE_KEY,
        TAILOR_ADMIN_KEY: ADMIN_KEY,
        ...configEnv,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      if (process.env.BENCH_SERVER_OUT) appendFileSync(process.env.BENCH_SERVER_OUT, d);
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return {
    url,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
