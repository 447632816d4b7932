import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../bin/tailor.js', import.meta.url));
const FIXTURES = new URL('../fixtures/classify/', import.meta.url);
const TABLE = fileURLToPath(new URL('synthetic-churn.csv', FIXTURES));
/** scikit-learn's figures on the same table (make-classify-reference.py). */
const reference = JSON.parse(
  readFileSync(new URL('classify.reference.json', FIXTURES), 'utf8'),
) as { cv: { auc: number; brier: number }; first_scores: number[]; rows: number };

/** Runs the CLI expecting it to fail: its exit code and standard error. */
const failure = (args: string[]) =>
  run(process.execPath, [CLI, ...args]).then(
    () => {
      throw new Error(`tailor ${args.join(' ')} succeeded`);
    },
    (error: unknown) => error as { code: number; stderr: string },
  );
const readCsv = (file: string) =>
  parse<Record<string, string>>(readFileSync(file), { columns: true });

let dir: string;
let modelDir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-model-cli-'));
  modelDir = join(dir, 'models', 'churn');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('tailor model train and predict (the CLI)', () => {
  it('trains, printing the cross-validated AUC scikit-learn finds on the same folds', async () => {
    const { stdout, stderr } = await run(process.execPath, [
      CLI,
      'model',
      'train',
      TABLE,
      '--label',
      'churn',
      '--id',
      'id',
      '--out',
      modelDir,
    ]);
    expect(stderr).toMatch(/1500 rows read/);
    const summary = JSON.parse(stdout);
    expect(summary.auc).toBeCloseTo(reference.cv.auc, 5);
    expect(summary.brier).toBeCloseTo(reference.cv.brier, 5);
    expect(summary.rows).toBe(reference.rows);
    expect(summary.columns.map((c: { name: string }) => c.name)).toEqual([
      'tenure',
      'monthly',
      'contract',
      'support',
      'region',
    ]);
    expect(JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')).id).toBe('id');
  });

  it('scores every row: id as written, score = P(positive), in the input order', async () => {
    const out = join(dir, 'made', 'scores.csv');
    await run(process.execPath, [CLI, 'model', 'predict', modelDir, TABLE, '--out', out]);
    const scores = readCsv(out);
    const input = readCsv(TABLE);
    expect(Object.keys(scores[0] ?? {})).toEqual(['id', 'score']);
    expect(scores.map((s) => s['id'])).toEqual(input.map((r) => r['id']));
    expect(scores[0]?.['id']).toBe('0001');
    reference.first_scores.forEach((p, i) => {
      expect(Number(scores[i]?.['score'])).toBeCloseTo(p, 8);
    });
  });

  it('reads labels written true/false or Yes/No the same as 1/0', async () => {
    const lines = readFileSync(TABLE, 'utf8').trimEnd().split('\n');
    const relabel = (yes: string, no: string) =>
      [
        lines[0],
        ...lines.slice(1).map((l) => l.replace(/,Yes$/, `,${yes}`).replace(/,No$/, `,${no}`)),
      ].join('\n');
    for (const [yes, no] of [
      ['1', '0'],
      ['true', 'false'],
    ]) {
      const file = join(dir, `labels-${yes}.csv`);
      writeFileSync(file, relabel(yes as string, no as string));
      const { stdout } = await run(process.execPath, [
        CLI,
        'model',
        'train',
        file,
        '--label',
        'churn',
        '--id',
        'id',
        '--out',
        join(dir, `m-${yes}`),
      ]);
      expect(JSON.parse(stdout).auc).toBeCloseTo(reference.cv.auc, 5);
    }
  });

  it('scores a new table: columns in another order, no label, blanks and unseen categories', async () => {
    const file = join(dir, 'new.csv');
    writeFileSync(
      file,
      [
        'region,contract,support,monthly,tenure,id',
        'south,Month-to-month,No,80,2,A-1',
        'atlantis,Two year,Yes,,60,A-2',
        'north,Month-to-month,No,80,2,A-1',
      ].join('\n'),
    );
    const out = join(dir, 'new-scores.csv');
    await run(process.execPath, [CLI, 'model', 'predict', modelDir, file, '--out', out]);
    const scores = readCsv(out);
    expect(scores.map((s) => s['id'])).toEqual(['A-1', 'A-2', 'A-1']);
    for (const s of scores) {
      const p = Number(s['score']);
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
    }
    // A new month-to-month customer churns far more likely than a long two-year one.
    expect(Number(scores[0]?.['score'])).toBeGreaterThan(Number(scores[1]?.['score']) + 0.2);
  });

  it('refuses bad input with a message naming the line and column', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'id,tenure,monthly,contract,support,region\n1,5,cheap,Two year,No,south\n');
    const predict = await failure(['model', 'predict', modelDir, bad, '--out', join(dir, 'x.csv')]);
    expect(predict.code).toBe(1);
    expect(predict.stderr).toMatch(/line 2.*monthly.*not a number/);

    const missing = join(dir, 'missing.csv');
    writeFileSync(missing, 'id,tenure\n1,5\n');
    const noColumn = await failure([
      'model',
      'predict',
      modelDir,
      missing,
      '--out',
      join(dir, 'y.csv'),
    ]);
    expect(noColumn.stderr).toMatch(/no column monthly/);

    const label = await failure([
      'model',
      'train',
      TABLE,
      '--label',
      'region',
      '--id',
      'id',
      '--out',
      join(dir, 'z'),
    ]);
    expect(label.code).toBe(1);
    expect(label.stderr).toMatch(
      /line 2, column region: the label must be 1\/0, true\/false or yes\/no/,
    );

    const noModel = await failure([
      'model',
      'predict',
      join(dir, 'nowhere'),
      TABLE,
      '--out',
      join(dir, 'w.csv'),
    ]);
    expect(noModel.stderr).toMatch(/not a readable model/);
  });
});
