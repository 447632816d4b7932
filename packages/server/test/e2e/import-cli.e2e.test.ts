import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
type ExecError = { code: number; stdout: string; stderr: string };
const CLI = fileURLToPath(new URL('../../bin/tailor.js', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-import-cli-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function storedCount(): number {
  const db = new Database(join(dir, 'data', 'log.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('tailor import (the CLI)', () => {
  it('imports a CSV with a mapping file, writes rejects, and stores nothing twice on a re-run', async () => {
    const csv = join(dir, 'signups.csv');
    writeFileSync(
      csv,
      'id,mail,plan\n1,A@Example.com,pro\n,missing@example.com,free\n3,c@example.com,free\n',
    );
    const mapping = join(dir, 'mapping.json');
    writeFileSync(
      mapping,
      JSON.stringify({
        type: 'identify',
        fields: { userId: 'id', 'traits.email': 'mail', 'traits.plan': 'plan' },
      }),
    );
    const args = [CLI, 'import', csv, '--data', join(dir, 'data'), '--mapping', mapping];

    // A rejected line makes the exit status 2, with the count on standard error.
    const first = await run(process.execPath, args).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (e: unknown) => e as ExecError,
    );
    expect(first.code).toBe(2);
    expect(first.stdout).toMatch(/3 lines: 2 stored, 0 already stored, 1 rejected/);
    expect(first.stderr).toMatch(/1 of 3 lines rejected/);
    expect(storedCount()).toBe(2);
    const rejectsFile = `${csv}.rejects.jsonl`;
    expect(statSync(rejectsFile).mode & 0o777).toBe(0o600);
    const rejects = readFileSync(rejectsFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rejects).toEqual([
      {
        line: 3,
        reason: expect.stringMatching(/userId or an anonymousId/),
        message: { type: 'identify', traits: { email: '[masked]', plan: 'free' } },
      },
    ]);

    // The rejected line mended, nothing rejected: exit 0, and nothing stored twice.
    writeFileSync(
      csv,
      'id,mail,plan\n1,A@Example.com,pro\n2,missing@example.com,free\n3,c@example.com,free\n',
    );
    const again = await run(process.execPath, args);
    expect(again.stdout).toMatch(/3 lines: 1 stored, 2 already stored, 0 rejected/);
    expect(storedCount()).toBe(3);
  }, 30_000);

  it('exits 2 when a file read as JSONL (whatever its name) has no valid line, saying how it read it', async () => {
    const txt = join(dir, 'notes.txt');
    writeFileSync(txt, 'first note\nsecond note\n');
    await expect(
      run(process.execPath, [CLI, 'import', txt, '--data', join(dir, 'data')]),
    ).rejects.toMatchObject({
      code: 2,
      stdout: expect.stringMatching(/2 lines: 0 stored, 0 already stored, 2 rejected/),
      stderr: expect.stringMatching(/reading it as JSONL[\s\S]*2 of 2 lines rejected/),
    });
  }, 30_000);

  it('names a missing mapping file or one that is not JSON, without a raw ENOENT', async () => {
    const csv = join(dir, 'y.csv');
    writeFileSync(csv, 'a\n1\n');
    const missing = join(dir, 'no-mapping.json');
    const failed = await run(process.execPath, [
      CLI,
      'import',
      csv,
      '--data',
      dir,
      '--mapping',
      missing,
    ]).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 1, stderr: `mapping file not found: ${missing}\n` });
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"fields": ');
    await expect(
      run(process.execPath, [CLI, 'import', csv, '--data', dir, '--mapping', broken]),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^mapping file .*broken\.json is not JSON/),
    });
  }, 30_000);

  it('fails with a clear message and a nonzero exit for a missing file or a bad mapping', async () => {
    await expect(
      run(process.execPath, [CLI, 'import', join(dir, 'nope.jsonl'), '--data', dir]),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/file not found/),
    });
    const csv = join(dir, 'x.csv');
    writeFileSync(csv, 'a\n1\n');
    const mapping = join(dir, 'bad.json');
    writeFileSync(mapping, JSON.stringify({ fields: { userId: { column: 'a', as: 'date' } } }));
    await expect(
      run(process.execPath, [CLI, 'import', csv, '--data', dir, '--mapping', mapping]),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/column mapping/),
    });
  }, 30_000);
});
