import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { freshNatsPrefix, TEST_NATS_URL } from '../support/nats.js';
import { PROFILE_MIGRATIONS } from '../../src/store/postgres/pg-profile-tables.js';
import { PROFILE_STORE_MIGRATIONS } from '../../src/store/sqlite/sqlite-profile-store.js';
import { EVENT_LOG_MIGRATIONS } from '../../src/log/sqlite/sqlite-event-log.js';
import { freshSchemaName, testPostgresUrl } from '../support/postgres.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../bin/tailor.js', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs `tailor migrate` with only the given TAILOR_* variables; its output lines. */
async function migrate(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('TAILOR_')),
  );
  const { stdout } = await run(process.execPath, [CLI, 'migrate', ...args], {
    env: { ...clean, ...env },
  });
  return stdout.trim().split('\n');
}

describe('tailor migrate', () => {
  it('brings a new data folder to the current schema and says so; a second run changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailor-migrate-'));
    dirs.push(dir);
    const first = await migrate(['--data', dir]);
    expect(first).toContain(
      `state.sqlite profiles: 0 -> ${String(PROFILE_STORE_MIGRATIONS.length)}`,
    );
    expect(first).toContain(`log.sqlite event-log: 0 -> ${String(EVENT_LOG_MIGRATIONS.length)}`);
    expect(first).toContain('audit.sqlite audit-log: 0 -> 1');
    const second = await migrate(['--data', dir]);
    expect(second).toHaveLength(first.length);
    for (const line of second) expect(line).toMatch(/: (\d+) -> \1$/);
  });

  it('migrates an installation on PostgreSQL and NATS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailor-migrate-keys-'));
    dirs.push(dir);
    const keyFile = join(dir, 'tailor.keys');
    await run(process.execPath, [CLI, 'keys', 'init', keyFile]);
    const schema = freshSchemaName();
    const env = {
      TAILOR_POSTGRES_URL: testPostgresUrl(),
      TAILOR_POSTGRES_SCHEMA: schema,
      TAILOR_NATS_URL: TEST_NATS_URL,
      TAILOR_NATS_PREFIX: freshNatsPrefix(),
      TAILOR_ENCRYPTION_KEY_FILE: keyFile,
    };
    const lines = await migrate(['--data', join(dir, 'node')], env);
    expect(lines).toContain(
      `postgres ${schema}.profiles: 0 -> ${String(PROFILE_MIGRATIONS.length)}`,
    );
    expect(lines).toContain(`postgres ${schema}.log: 0 -> 1`);
    expect(lines).toContain(`postgres ${schema}.cluster: 0 -> 1`);
  });
});
