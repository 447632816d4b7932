import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { stringify } from 'csv-stringify/sync';
import {
  binaryLabel,
  scoreRows,
  TailorError,
  trainClassifier,
  type Classifier,
  type ClassifierKind,
  type TrainingReport,
} from '@tailor/core';
import { readCsvTable } from '../models/read-csv-table.js';
import { parseColumnList } from './parse-column-list.js';

/** What `model train` writes to DIR/model.json, and `model predict` reads back. */
interface SavedModel {
  format: 'tailor-classifier';
  version: 1;
  trainedAt: string;
  /** The training table's id and label columns. */
  id: string;
  label: string;
  classifier: Classifier;
  cv: TrainingReport['cv'];
  rows: number;
  positives: number;
}

const MODEL_FILE = 'model.json';

function foldCount(value: string): number {
  const n = Number(value);
  if (!(Number.isInteger(n) && n >= 2 && n <= 20))
    throw new InvalidArgumentError('a whole number from 2 to 20');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError('a number above 0');
  return n;
}

function modelKind(value: string): 'auto' | ClassifierKind {
  if (value === 'auto' || value === 'logistic' || value === 'trees') return value;
  throw new InvalidArgumentError('auto, logistic or trees');
}

/** Registers `tailor model train` and `tailor model predict`. */
export function registerModelCommands(program: Command): void {
  const model = program
    .command('model')
    .description('classifiers on tables: churn, propensity, any yes/no outcome');
  model
    .command('train')
    .description(
      'trains a classifier (L2 logistic regression or gradient-boosted trees, whichever cross-validates better; preparation chosen from the data) and prints its cross-validated AUC as JSON',
    )
    .argument('<file>', 'a CSV file with a header row, one row per example')
    .requiredOption('--label <column>', 'the outcome: 1/0, true/false or yes/no')
    .requiredOption('--id <column>', 'the column naming each row (not an input)')
    .requiredOption('--out <dir>', `where the model goes (${MODEL_FILE}); folders are created`)
    .option(
      '--exclude <columns>',
      'further columns that are not inputs, comma-separated',
      parseColumnList,
    )
    .option('--folds <n>', 'cross-validation folds', foldCount, 5)
    .option('--c <n>', 'inverse regularization strength (as scikit-learn’s C)', positiveNumber, 1)
    .option(
      '--model <kind>',
      'auto (the better cross-validated AUC), logistic or trees',
      modelKind,
      'auto',
    )
    .action(modelTrainCommand);
  model
    .command('predict')
    .description('scores a table with a trained model: id,score per row, score = P(positive label)')
    .argument('<dir>', 'the folder model train wrote')
    .argument('<file>', 'a CSV file with the id column and the columns the model was trained on')
    .requiredOption('--out <file>', 'where the scores go (CSV: id,score); folders are created')
    .action(modelPredictCommand);
}

interface TrainFlags {
  label: string;
  id: string;
  out: string;
  exclude?: string[];
  folds: number;
  c: number;
  model?: 'auto' | ClassifierKind;
}

/**
 * `tailor model train FILE.csv --label COL --id COL --out DIR`: every column but the id, the label
 * and `--exclude` is an input; core's trainClassifier cross-validates and fits. Writes DIR/model.json
 * and prints the cross-validation figures.
 */
export function modelTrainCommand(file: string, flags: TrainFlags): void {
  if (flags.label === flags.id)
    throw new TailorError('invalid_request', '--label and --id name the same column');
  const { header, records } = readCsvTable(file, [flags.label, flags.id, ...(flags.exclude ?? [])]);
  const skip = new Set([flags.label, flags.id, ...(flags.exclude ?? [])]);
  const inputs = header.filter((name) => !skip.has(name));
  if (inputs.length === 0)
    throw new TailorError('invalid_request', `${file} has no column left to learn from`);
  const labels = records.map(({ record, line }) =>
    binaryLabel(record[flags.label] ?? '', `${file} line ${line}, column ${flags.label}`),
  );
  const rows = records.map(({ record }) => record);
  console.error(`${rows.length} rows read from ${file}; ${flags.folds}-fold cross-validation`);
  const report = trainClassifier(rows, labels, inputs, {
    folds: flags.folds,
    c: flags.c,
    ...(flags.model !== undefined && flags.model !== 'auto' && { models: [flags.model] }),
  });
  const saved: SavedModel = {
    format: 'tailor-classifier',
    version: 1,
    trainedAt: new Date().toISOString(),
    id: flags.id,
    label: flags.label,
    classifier: report.classifier,
    cv: report.cv,
    rows: report.rows,
    positives: report.positives,
  };
  mkdirSync(flags.out, { recursive: true });
  writeFileSync(join(flags.out, MODEL_FILE), `${JSON.stringify(saved, null, 2)}\n`);
  console.error(`model written to ${join(flags.out, MODEL_FILE)}`);
  const round = (v: number) => Number(v.toPrecision(6));
  const used = new Set(report.classifier.plan.columns.map((c) => c.name));
  console.log(
    JSON.stringify(
      {
        auc: round(report.cv.auc),
        brier: round(report.cv.brier),
        calibration: { ...report.cv.calibration, brier: round(report.cv.calibration.brier) },
        folds: report.cv.folds,
        foldAucs: report.cv.foldAucs.map(round),
        rows: report.rows,
        positives: report.positives,
        model: report.cv.model,
        candidates: Object.fromEntries(
          Object.entries(report.cv.candidates).map(([kind, c]) => [kind, { auc: round(c.auc) }]),
        ),
        columns: report.classifier.plan.columns.map((c) => ({ name: c.name, kind: c.kind })),
        ignored: inputs.filter((name) => !used.has(name)),
      },
      null,
      2,
    ),
  );
}

/** Reads DIR/model.json, refusing what is not a model this version wrote. */
function readModel(dir: string): SavedModel {
  const path = join(dir, MODEL_FILE);
  let saved: Partial<SavedModel>;
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) as Partial<SavedModel>;
  } catch (error) {
    throw new TailorError(
      'invalid_request',
      `${path}: not a readable model (${(error as Error).message})`,
    );
  }
  if (saved.format !== 'tailor-classifier' || saved.version !== 1 || !saved.classifier)
    throw new TailorError('invalid_request', `${path}: not a model written by tailor model train`);
  return saved as SavedModel;
}

/**
 * `tailor model predict DIR FILE.csv --out SCORES.csv`: one `id,score` row per input row, in the
 * input's order, the id as written. A column the model uses must be present; its blanks are
 * treated as in training, a category it never saw counts as none of its levels.
 */
export function modelPredictCommand(dir: string, file: string, flags: { out: string }): void {
  const saved = readModel(dir);
  const used = saved.classifier.plan.columns.map((c) => c.name);
  const { records } = readCsvTable(file, [saved.id, ...used]);
  const scores = records.map(({ record, line }) => {
    try {
      return scoreRows(saved.classifier, [record])[0] as number;
    } catch (error) {
      throw new TailorError('invalid_request', `${file} line ${line}: ${(error as Error).message}`);
    }
  });
  mkdirSync(dirname(flags.out), { recursive: true });
  writeFileSync(
    flags.out,
    stringify([
      ['id', 'score'],
      ...records.map(({ record }, i) => [record[saved.id] ?? '', String(scores[i])]),
    ]),
  );
  console.error(`${records.length} scores written to ${flags.out}`);
}
