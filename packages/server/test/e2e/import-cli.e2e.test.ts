import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
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
    writeFileSync(csv, 'id,mail,plan\n1,A@Example.com,pro\n,missing@example.com,free\n3,c@example.com,free\n');
    const mapping = join(dir, 'mapping.json');
    writeFileSync(mapping, JSON.stringify({ type: 'identify', fields: { userId: 'id', 'traits.email': 'mail', 'traits.plan': 'plan' } }));
    const args = [CLI, 'import', csv, '--data', join(dir, 'data'), '--mapping', mapping];

    const first = await run(process.execPath, args);
    expect(first.stdout).toMatch(/3 lines: 2 stored, 0 already stored, 1 rejected/);
    expect(storedCount()).toBe(2);
    const rejects = readFileSync(`${csv}.rejects.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rejects).toMatchObject([{ line: 3, reason: expect.stringMatching(/userId or an anonymousId/) }]);

    const again = await run(process.execPath, args);
    expect(again.stdout).toMatch(/2 already stored/);
    expect(storedCount()).toBe(2);
  }, 30_000);

  it('fails with a clear message and a nonzero exit for a missing file or a bad mapping', async () => {
    await expect(run(process.execPath, [CLI, 'import', join(dir, 'nope.jsonl'), '--data', dir])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/file not found/),
    });
    const csv = join(dir, 'x.csv');
    writeFileSync(csv, 'a\n1\n');
    const mapping = join(dir, 'bad.json');
    writeFileSync(mapping, JSON.stringify({ fields: { userId: { column: 'a', as: 'date' } } }));
    await expect(run(process.execPath, [CLI, 'import', csv, '--data', dir, '--mapping', mapping])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/column mapping/),
    });
  }, 30_000);
});
