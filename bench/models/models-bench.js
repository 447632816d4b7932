// Tailor's classifier against scikit-learn on the same machine (npm run bench:models, issue 15).
//   A. IBM Telco churn (7,043 customers; label Churn, id customerID), read from
//      ../shared/data/telco-churn/ (not shipped in the repo; BENCH_TELCO to point elsewhere):
//      trainClassifier's 5-fold stratified cross-validated AUC (mean of the folds) and Brier score
//      (all held-out predictions), its time (5 CV fits + the final fit, fastest of BENCH_REPEATS)
//      and one fit on every row; then LogisticRegression with scikit-learn's standard preparation
//      on the SAME folds (stratifiedFolds written to a file for it). Also `tailor model train` and
//      `model predict` end to end (the whole CLI process, start included).
//   B. 100,000 generated rows (10 numeric columns, one with blanks; 5 categorical with 3-20
//      levels; a logistic label), in a child process of its own so that its peak RSS is its own:
//      one fit on every row and trainClassifier's CV, time and memory; scoreRows' throughput on
//      one thread; scikit-learn's pipeline fitted on the same table (written to a CSV for it).
// Needs Debian's python3-sklearn (/usr/bin/python3); without it, prints Tailor's side only.
// Env: BENCH_TELCO, BENCH_ROWS (100000), BENCH_REPEATS (3), BENCH_SKLEARN (1; 0 to skip it).
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import {
  applyPlan,
  binaryLabel,
  fitBoostedTrees,
  fitLogistic,
  planTable,
  scoreRows,
  stratifiedFolds,
  trainClassifier,
} from '@tailor/core';

const here = dirname(fileURLToPath(import.meta.url));
const TELCO =
  process.env.BENCH_TELCO ??
  join(here, '../../../shared/data/telco-churn/WA_Fn-UseC_-Telco-Customer-Churn.csv');
const CLI = join(here, '../../packages/server/bin/tailor.js');
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const PYTHON = '/usr/bin/python3';
const withReference = process.env.BENCH_SKLEARN !== '0' && existsSync(PYTHON);

const seconds = (started) => (performance.now() - started) / 1000;
/** CPU seconds (user + system) of this process since `started` (a process.cpuUsage()). */
const cpuSeconds = (started) => {
  const { user, system } = process.cpuUsage(started);
  return (user + system) / 1e6;
};
const mb = (bytes) => Math.round(bytes / 1e6);
const maxRssMb = () => Math.round((process.resourceUsage().maxRSS * 1024) / 1e6); // KiB -> MB

/**
 * The fastest of `REPEATS` runs of `run` (after one warm-up), in wall and in CPU seconds (each the
 * least of its runs: on a shared machine the CPU time is the steadier), and the last result.
 */
function fastest(run) {
  let value = run();
  let best = Infinity;
  let bestCpu = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    value = run();
    best = Math.min(best, seconds(started));
    bestCpu = Math.min(bestCpu, cpuSeconds(cpu));
  }
  return { seconds: best, cpuSeconds: bestCpu, value };
}

/** trainClassifier's trees (as its TREES settings). */
const TREES = { trees: 100, depth: 3, learningRate: 0.1, minLeaf: 20 };

/** One fit on every row, preparation included: what the final step of trainClassifier does. */
function fitAll(rows, labels, columns) {
  const plan = planTable(rows, columns);
  const model = fitLogistic(applyPlan(plan, rows), labels);
  return {
    kind: 'logistic',
    plan,
    weights: model.weights,
    intercept: model.intercept,
    c: 1,
    model,
  };
}

function sklearn(args) {
  return JSON.parse(
    execFileSync(PYTHON, [join(here, 'sklearn-reference.py'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, BENCH_REPEATS: String(REPEATS) },
      maxBuffer: 1 << 24,
    }),
  );
}

// A. Telco.
function telco(dir) {
  if (!existsSync(TELCO)) {
    console.error(
      `A. skipped: the Telco churn table is not at ${TELCO}. It is not shipped in the repo; ` +
        'it lives in shared/data/telco-churn/ beside the work tree (or set BENCH_TELCO).',
    );
    return undefined;
  }
  const rows = parse(readFileSync(TELCO), { columns: true, bom: true, skip_empty_lines: true });
  const labels = rows.map((r, i) => binaryLabel(r.Churn, `line ${i + 2}`));
  const columns = Object.keys(rows[0]).filter((c) => c !== 'Churn' && c !== 'customerID');
  console.error(`A. Telco: ${rows.length} rows, ${columns.length} columns; Tailor...`);
  const cv = fastest(() => trainClassifier(rows, labels, columns, { folds: 5 }));
  const full = fastest(() => fitAll(rows, labels, columns));
  const foldsFile = join(dir, 'folds.json');
  writeFileSync(foldsFile, JSON.stringify(stratifiedFolds(labels, 5)));

  const model = join(dir, 'model');
  const scores = join(dir, 'scores.csv');
  let started = performance.now();
  execFileSync(process.execPath, [CLI, '--version'], { stdio: ['ignore', 'ignore', 'ignore'] });
  const cliStart = seconds(started);
  started = performance.now();
  execFileSync(
    process.execPath,
    [CLI, 'model', 'train', TELCO, '--label', 'Churn'].concat([
      '--id',
      'customerID',
      '--out',
      model,
    ]),
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const cliTrain = seconds(started);
  started = performance.now();
  execFileSync(process.execPath, [CLI, 'model', 'predict', model, TELCO, '--out', scores], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const cliPredict = seconds(started);

  let reference;
  if (withReference) {
    console.error('A. scikit-learn on the same folds...');
    reference = sklearn(['telco', TELCO, foldsFile]);
  }
  return {
    rows: rows.length,
    positives: cv.value.positives,
    inputs: cv.value.classifier.plan.inputs.length,
    tailor: {
      auc: cv.value.cv.auc,
      foldAucs: cv.value.cv.foldAucs,
      brier: cv.value.cv.brier,
      cvSeconds: cv.seconds,
      cvCpuSeconds: cv.cpuSeconds,
      fitSeconds: full.seconds,
      fitCpuSeconds: full.cpuSeconds,
      newtonIterations: full.value.model.iterations,
      cliStartSeconds: cliStart,
      cliTrainSeconds: cliTrain,
      cliPredictSeconds: cliPredict,
    },
    sklearn: reference && { version: reference.sklearn, ...reference.telco },
  };
}

// B. Synthetic, in a child process (BENCH_MODELS_PART=synthetic).

/** ROWS generated rows as a CSV would give them (every cell a string), and their labels. */
function syntheticRows(rows) {
  let seed = 15;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const numeric = Array.from({ length: 10 }, (_, j) => ({
    name: `n${j}`,
    scale: 10 ** (j % 4),
    shift: 50 * j,
    weight: (random() - 0.5) * 1.2,
  }));
  const categorical = [3, 5, 8, 12, 20].map((levels, j) => ({
    name: `c${j}`,
    levels: Array.from({ length: levels }, (_, l) => `level-${j}-${l}`),
    effects: Array.from({ length: levels }, () => (random() - 0.5) * 1.5),
  }));
  const out = [];
  const labels = [];
  for (let i = 0; i < rows; i++) {
    const row = { id: `u${i}` };
    let z = -1;
    for (const n of numeric) {
      const v = normal();
      z += n.weight * v;
      // n9 is blank for ~3 % of rows (the value is then unknown to the model).
      row[n.name] =
        n.name === 'n9' && random() < 0.03 ? '' : String(+(n.shift + n.scale * v).toFixed(3));
    }
    for (const c of categorical) {
      // Skewed levels: the first ones common, the last rare.
      const l = Math.floor(c.levels.length * random() ** 2);
      z += c.effects[l];
      row[c.name] = c.levels[l];
    }
    const y = random() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    row.y = String(y);
    out.push(row);
    labels.push(y);
  }
  return { rows: out, labels };
}

function writeCsv(file, rows) {
  const header = Object.keys(rows[0]);
  const fd = openSync(file, 'w');
  writeSync(fd, header.join(',') + '\n');
  for (let i = 0; i < rows.length; i += 10_000)
    writeSync(
      fd,
      rows
        .slice(i, i + 10_000)
        .map((r) => header.map((h) => r[h]).join(',') + '\n')
        .join(''),
    );
  closeSync(fd);
}

function syntheticPart(file) {
  const startRss = maxRssMb();
  const { rows, labels } = syntheticRows(ROWS);
  const columns = Object.keys(rows[0]).filter((c) => c !== 'id' && c !== 'y');
  globalThis.gc?.();
  const table = { rss: mb(process.memoryUsage().rss), maxRss: maxRssMb() };
  let started = performance.now();
  let cpu = process.cpuUsage();
  const fit = fitAll(rows, labels, columns);
  const fitSeconds = seconds(started);
  const fitCpuSeconds = cpuSeconds(cpu);
  const afterFit = { rss: mb(process.memoryUsage().rss), maxRss: maxRssMb() };
  // Gradient-boosted trees on the same prepared inputs (trainClassifier's settings).
  const x = applyPlan(fit.plan, rows);
  started = performance.now();
  cpu = process.cpuUsage();
  const trees = {
    kind: 'trees',
    plan: fit.plan,
    options: TREES,
    ...fitBoostedTrees(x, labels, TREES),
  };
  const treesSeconds = seconds(started);
  const treesCpuSeconds = cpuSeconds(cpu);
  const afterTrees = { rss: mb(process.memoryUsage().rss), maxRss: maxRssMb() };
  const treeScoring = fastest(() => scoreRows(trees, rows));
  started = performance.now();
  cpu = process.cpuUsage();
  const report = trainClassifier(rows, labels, columns, { folds: 5 });
  const cvSeconds = seconds(started);
  const cvCpuSeconds = cpuSeconds(cpu);
  const afterCv = { rss: mb(process.memoryUsage().rss), maxRss: maxRssMb() };
  const scoring = fastest(() => scoreRows(fit, rows));
  writeCsv(file, rows);
  return {
    rows: ROWS,
    columns: columns.length,
    inputs: fit.plan.inputs.length,
    positives: report.positives,
    startMaxRssMb: startRss,
    table,
    fitSeconds,
    fitCpuSeconds,
    newtonIterations: fit.model.iterations,
    afterFit,
    cvSeconds,
    cvCpuSeconds,
    cvAuc: report.cv.auc,
    cvModel: report.cv.model,
    cvCandidates: report.cv.candidates,
    treesSeconds,
    treesCpuSeconds,
    afterTrees,
    treesScoreRowsPerSecond: ROWS / treeScoring.seconds,
    treesScoreRowsPerCpuSecond: ROWS / treeScoring.cpuSeconds,
    afterCv,
    scoreSeconds: scoring.seconds,
    scoreRowsPerSecond: ROWS / scoring.seconds,
    scoreRowsPerCpuSecond: ROWS / scoring.cpuSeconds,
  };
}

if (process.env.BENCH_MODELS_PART === 'synthetic') {
  console.log(JSON.stringify(syntheticPart(process.argv[2])));
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'tailor-bench-models-'));
try {
  const a = telco(dir);
  console.error(`B. ${ROWS} synthetic rows: Tailor (a child process)...`);
  const file = join(dir, 'synthetic.csv');
  const b = JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), file], {
      encoding: 'utf8',
      env: { ...process.env, BENCH_MODELS_PART: 'synthetic' },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  if (withReference) {
    console.error('B. scikit-learn on the same table...');
    b.sklearn = sklearn(['synthetic', file]).synthetic;
  }
  print(a, b);
  console.log(JSON.stringify({ telco: a, synthetic: b }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function print(a, b) {
  const f3 = (v) => v.toFixed(3);
  const f4 = (v) => v.toFixed(4);
  const s = (v) => `${v.toFixed(3)} s`;
  const both = (wall, cpu) => `${s(wall)} (CPU ${s(cpu)})`;
  if (a) {
    const t = a.tailor;
    const r = a.sklearn;
    console.log(`A. Telco churn: ${a.rows} rows (${a.positives} churned), ${a.inputs} inputs`);
    console.log(
      `  5-fold CV AUC (mean of folds)  Tailor ${f4(t.auc)}` +
        (r ? `  scikit-learn ${f4(r.auc)}  (Tailor - sklearn ${(t.auc - r.auc).toFixed(4)})` : ''),
    );
    console.log(
      `  per fold  Tailor ${t.foldAucs.map(f3).join(' ')}` +
        (r ? `\n            sklearn ${r.foldAucs.map(f3).join(' ')}` : ''),
    );
    console.log(
      `  Brier (held-out)               Tailor ${f4(t.brier)}` +
        (r ? `  scikit-learn ${f4(r.brier)}  (ratio ${(t.brier / r.brier).toFixed(3)})` : '') +
        '  target <= 0.136',
    );
    console.log(
      `  CV: Tailor's trainClassifier (5 fits + the final) ${both(t.cvSeconds, t.cvCpuSeconds)}` +
        (r ? `; scikit-learn's 5 fits ${both(r.cvFitSeconds, r.cvFitCpuSeconds)}` : ''),
    );
    console.log(
      `  one fit, all rows: Tailor ${both(t.fitSeconds, t.fitCpuSeconds)}, ${t.newtonIterations} Newton steps` +
        (r
          ? `; scikit-learn ${both(r.fitSeconds, r.fitCpuSeconds)}; sklearn / Tailor (CPU) ${(r.fitCpuSeconds / t.fitCpuSeconds).toFixed(2)}`
          : ''),
    );
    console.log(
      `  CLI processes (wall): tailor --version ${s(t.cliStartSeconds)}, model train ${s(t.cliTrainSeconds)}, ` +
        `model predict ${s(t.cliPredictSeconds)}`,
    );
  }
  const r = b.sklearn;
  console.log(
    `B. ${b.rows} synthetic rows, ${b.columns} columns -> ${b.inputs} inputs (${b.positives} positive)`,
  );
  console.log(
    `  one fit, all rows: Tailor ${both(b.fitSeconds, b.fitCpuSeconds)}, ${b.newtonIterations} Newton steps` +
      (r
        ? `; scikit-learn ${both(r.fitSeconds, r.fitCpuSeconds)}, ${r.iterations} lbfgs steps; sklearn / Tailor (CPU) ${(r.fitCpuSeconds / b.fitCpuSeconds).toFixed(2)}`
        : ''),
  );
  console.log(
    `  trees (100 x depth 3, 20 a leaf), one fit on the prepared inputs: Tailor ${both(b.treesSeconds, b.treesCpuSeconds)}, peak RSS ${b.afterTrees.maxRss} MB` +
      (r
        ? `; scikit-learn HistGradientBoosting ${both(r.histSeconds, r.histCpuSeconds)} (CPU ratio sklearn / Tailor ${(r.histCpuSeconds / b.treesCpuSeconds).toFixed(2)})` +
          (r.gbcSeconds === undefined
            ? ''
            : `, GradientBoosting (exact) ${both(r.gbcSeconds, r.gbcCpuSeconds)} (ratio ${(r.gbcCpuSeconds / b.treesCpuSeconds).toFixed(2)})`)
        : ''),
  );
  console.log(
    `  5-fold CV of both kinds + final: Tailor ${both(b.cvSeconds, b.cvCpuSeconds)}, kept ${b.cvModel}, AUC ${f4(b.cvAuc)} (` +
      Object.entries(b.cvCandidates)
        .map(([kind, c]) => `${kind} ${f4(c.auc)}`)
        .join(', ') +
      ')',
  );
  console.log(
    `  scoring with the trees: Tailor scoreRows ${Math.round(b.treesScoreRowsPerSecond)} rows/s, ${Math.round(b.treesScoreRowsPerCpuSecond)} per CPU second` +
      (r
        ? `; scikit-learn HistGradientBoosting ${Math.round(r.histScoreRowsPerCpuSecond)} per CPU second`
        : ''),
  );
  console.log(
    `  memory, Tailor (MB): RSS with the table ${b.table.rss}; peak RSS: table ${b.table.maxRss}, ` +
      `after the fit ${b.afterFit.maxRss}, after CV ${b.afterCv.maxRss}`,
  );
  if (r)
    console.log(
      `  memory, scikit-learn (MB): peak RSS before the fit ${Math.round(r.maxRssBeforeFitMb)}, after ${Math.round(r.maxRssMb)}`,
    );
  console.log(
    `  scoring: Tailor scoreRows ${Math.round(b.scoreRowsPerSecond)} rows/s, ` +
      `${Math.round(b.scoreRowsPerCpuSecond)} per CPU second (one thread)` +
      (r
        ? `; scikit-learn predict_proba ${Math.round(r.scoreRowsPerSecond)} rows/s, ${Math.round(r.scoreRowsPerCpuSecond)} per CPU second`
        : ''),
  );
}
