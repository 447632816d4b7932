import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../bin/tailor.js', import.meta.url));
const FEBRL1 = fileURLToPath(new URL('../fixtures/febrl/dataset1.csv', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-match-cli-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const fail = (error: unknown) => error as { code: number; stderr: string };

describe('tailor match (the CLI)', () => {
  it('deduplicates a file with no options and writes the pairs with their decisions', async () => {
    const out = join(dir, 'pairs.csv');
    const { stdout, stderr } = await run(process.execPath, [
      CLI,
      'match',
      FEBRL1,
      '--id',
      'rec_id',
      '--out',
      out,
    ]);
    expect(stderr).toMatch(/blocking \(union\): /);
    expect(stderr).toMatch(/date_of_birth \(date\)/);
    expect(stdout).toMatch(/\d+ matches and \d+ pairs to review written to/);
    const rows = parse<Record<string, string>>(readFileSync(out), { columns: true });
    expect(Object.keys(rows[0] ?? {})).toEqual([
      'left_id',
      'right_id',
      'weight',
      'probability',
      'decision',
    ]);
    const matches = rows.filter((r) => r.decision === 'match');
    const correct = matches.filter((r) => r.left_id?.split('-')[1] === r.right_id?.split('-')[1]);
    expect(matches.length).toBeGreaterThan(480);
    expect(correct.length / matches.length).toBeGreaterThan(0.98);
    expect(rows.every((r) => r.decision === 'match' || r.decision === 'review')).toBe(true);
  }, 60_000);

  it('links two files, and a config file overrides the choices', async () => {
    const lines = readFileSync(FEBRL1, 'utf8').trim().split('\n');
    const [header = ''] = lines;
    writeFileSync(
      join(dir, 'left.csv'),
      [header, ...lines.slice(1).filter((l) => l.includes('-org'))].join('\n'),
    );
    writeFileSync(
      join(dir, 'right.csv'),
      [header, ...lines.slice(1).filter((l) => !l.includes('-org'))].join('\n'),
    );
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        fields: [
          { name: 'given_name', comparator: 'jaro_winkler' },
          { name: 'surname', comparator: 'jaro_winkler' },
          { name: 'date_of_birth', comparator: 'date' },
          { name: 'soc_sec_id', comparator: 'levenshtein' },
          { name: 'postcode', comparator: 'exact' },
        ],
        blocking: [
          [{ field: 'surname', transform: 'phonetic' }],
          [{ field: 'date_of_birth' }],
          [{ field: 'soc_sec_id' }],
        ],
        upper: 0.95,
      }),
    );
    const out = join(dir, 'links.csv');
    const { stderr } = await run(process.execPath, [
      CLI,
      'match',
      join(dir, 'left.csv'),
      join(dir, 'right.csv'),
      '--id',
      'rec_id',
      '--out',
      out,
      '--config',
      join(dir, 'config.json'),
    ]);
    expect(stderr).toMatch(/blocking \(union\): surname:phonetic \| date_of_birth \| soc_sec_id/);
    expect(stderr).not.toMatch(/address_1/);
    const rows = parse<Record<string, string>>(readFileSync(out), { columns: true });
    const matches = rows.filter((r) => r.decision === 'match');
    expect(matches.every((r) => r.left_id?.endsWith('-org') && !r.right_id?.endsWith('-org'))).toBe(
      true,
    );
    expect(matches.length).toBeGreaterThan(480);
  }, 60_000);

  it('reads a messy export and writes the pairs into a folder it creates', async () => {
    // BOM, CRLF, a quoted name holding a comma, a doubled quote and a line break, ids with
    // leading zeros, the id column named in another case, a trailing empty line.
    const file = join(dir, 'people.csv');
    writeFileSync(
      file,
      '\uFEFFRecord ID,Given Name,Surname,Born\r\n' +
        '0001,Ann,"Smith, ""Jr""\nII",1980-01-12\r\n' +
        '0002,Ann,"Smith, ""Jr""\nII",1980-01-12\r\n' +
        '0003,Bob,Jones,1975-06-30\r\n' +
        '0004,Carla,Brown,1990-02-03\r\n' +
        '0005,Dan,White,1968-11-21\r\n\r\n',
    );
    const out = join(dir, 'not', 'yet', 'pairs.csv');
    await run(process.execPath, [CLI, 'match', file, '--id', 'record id', '--out', out]);
    const rows = parse<Record<string, string>>(readFileSync(out), { columns: true });
    expect(rows.filter((r) => r.decision === 'match').map((r) => [r.left_id, r.right_id])).toEqual([
      ['0001', '0002'],
    ]);
  }, 60_000);

  it.each([
    [['match', '/nope.csv', '--id', 'rec_id', '--out', 'x.csv'], /file not found/],
    [['match', FEBRL1, '--id', 'person', '--out', 'x.csv'], /has no column person/],
    [['match', FEBRL1, '--out', 'x.csv'], /--id/],
  ])('fails clearly: %j', async (args, message) => {
    const error = fail(
      await run(process.execPath, [CLI, ...args], { cwd: dir }).catch((e: unknown) => e),
    );
    expect(error.code).toBe(1);
    expect(error.stderr).toMatch(message);
  });

  it.each([
    [
      'a column the file lacks',
      JSON.stringify({ blocking: [[{ field: 'shoe_size' }]] }),
      /no column shoe_size/,
    ],
    [
      'an unknown comparator',
      JSON.stringify({ fields: [{ name: 'surname', comparator: 'soundalike' }] }),
      /invalid match config: \/fields\/0\/comparator/,
    ],
    ['lower above upper', JSON.stringify({ upper: 0.6, lower: 0.8 }), /lower is above upper/],
    ['an unknown key', JSON.stringify({ uper: 0.95 }), /unknown key uper/],
    [
      'a swapWith column the file lacks',
      JSON.stringify({ fields: [{ name: 'surname', comparator: 'exact', swapWith: 'nickname' }] }),
      /no column nickname/,
    ],
    ['a file that is not JSON', '{"upper": 0.9,', /match config .*bad\.json/],
  ])('refuses a config with %s', async (_, config, message) => {
    writeFileSync(join(dir, 'bad.json'), config);
    const error = fail(
      await run(process.execPath, [
        CLI,
        'match',
        FEBRL1,
        '--id',
        'rec_id',
        '--out',
        join(dir, 'o.csv'),
        '--config',
        join(dir, 'bad.json'),
      ]).catch((e: unknown) => e),
    );
    expect(error.code).toBe(1);
    expect(error.stderr).toMatch(message);
  });

  it.each([
    ['a header and no records', 'rec_id,given_name,surname\n', /has no records/],
    ['nothing at all', '', /has no records/],
    ['only the id column', 'rec_id\na\nb\n', /no column besides the id/],
  ])('refuses a file with %s', async (_, content, message) => {
    writeFileSync(join(dir, 'empty.csv'), content);
    const error = fail(
      await run(process.execPath, [
        CLI,
        'match',
        join(dir, 'empty.csv'),
        '--id',
        'rec_id',
        '--out',
        join(dir, 'o.csv'),
      ]).catch((e: unknown) => e),
    );
    expect(error.code).toBe(1);
    expect(error.stderr).toMatch(message);
  });
});
