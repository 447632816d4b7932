// k-means against scikit-learn on the same machine (npm run bench:clusters).
//   A. The Online Retail RFM table (4,338 customers, log1p then standardized): Tailor's
//      fitKMeans (10 k-means++ starts) against KMeans(n_init=10) for k = 2..10, time, CPU time
//      and inertia. The machine is shared, so the sides alternate in BENCH_ROUNDS rounds (default
//      3): in each, Tailor's sweep with its starts shared among the process's k-means threads
//      (as `tailor cluster` runs it), Tailor's on one thread, scikit-learn's with its default
//      threads, then scikit-learn's on one thread (OMP_NUM_THREADS=1); each fit is the fastest of
//      5 runs (wall and CPU apart), and the ratios are taken within a round. Then the automatic
//      choice of k (every k's fit plus its exact silhouette) both ways.
//   B. One million synthetic profiles with ten features (eight Gaussian groups): mini-batch
//      k-means with k = 8, then k chosen automatically (2..10, silhouette on a 10,000-row sample),
//      with the process's memory before and after each; and scikit-learn's MiniBatchKMeans (k = 8)
//      on the same table, written to a temporary file.
// Needs Debian's python3-sklearn (/usr/bin/python3); without it, prints Tailor's side only.
// Env: BENCH_ROWS (1000000), BENCH_ROUNDS (3), BENCH_SKLEARN (1; 0 to skip the reference).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterFeatures, fitKMeans, fitMiniBatchKMeans } from '@tailor/core';
import { kmeansThreads } from '../../packages/server/dist/clusters/kmeans-thread-pool.js';

const here = dirname(fileURLToPath(import.meta.url));
const RFM = join(here, '../../packages/server/test/fixtures/online-retail/rfm.csv');
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const COLUMNS = 10;
const PYTHON = '/usr/bin/python3';
const withReference = process.env.BENCH_SKLEARN !== '0' && existsSync(PYTHON);

const seconds = (started) => (performance.now() - started) / 1000;
const cpuSeconds = (started) => {
  const { user, system } = process.cpuUsage(started);
  return (user + system) / 1e6;
};
const mb = (bytes) => Math.round(bytes / 1e6);
const loadAverage = () => loadavg().map((l) => +l.toFixed(2));
const memory = () => {
  const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
  return { rss: mb(rss), heap: mb(heapUsed), arrayBuffers: mb(arrayBuffers) };
};

function readRfm() {
  const lines = readFileSync(RFM, 'utf8').trim().split('\n').slice(1);
  const values = new Float64Array(lines.length * 3);
  lines.forEach((line, i) =>
    line
      .split(',')
      .slice(1)
      .forEach((v, j) => (values[i * 3 + j] = Number(v))),
  );
  return { values, rows: lines.length, columns: 3 };
}

/** Eight Gaussian groups in ten dimensions, seeded: one Float64Array, row-major. */
function synthetic(rows) {
  let seed = 7;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: 8 }, () =>
    Array.from({ length: COLUMNS }, () => 8 * random()),
  );
  const values = new Float64Array(rows * COLUMNS);
  for (let i = 0; i < rows; i++) {
    const centre = centres[Math.floor(random() * 8)];
    for (let j = 0; j < COLUMNS; j++) values[i * COLUMNS + j] = centre[j] + normal();
  }
  return { values, rows, columns: COLUMNS };
}

// A. RFM.
const rfm = readRfm();
const prepared = clusterFeatures(rfm, { k: 2, scale: 'log-standard' });
const { mean, std } = prepared.value.preparation;
const table = {
  ...rfm,
  values: rfm.values.map((v, i) => (Math.log1p(v) - mean[i % 3]) / std[i % 3]),
};
const REPEATS = 5;
// The process's pool, as the CLI and the server use it (undefined on one core).
const threads = kmeansThreads();
const threadCount = threads === undefined ? 1 : 1 + threads.workerCount;
for (let k = 2; k <= 10; k++) fitKMeans(table, { k, threads }); // warm-up, the workers started
for (let k = 2; k <= 10; k++) fitKMeans(table, { k });

/**
 * Tailor's sweep: per k the fastest of REPEATS fits, wall and CPU apart (CPU of every thread of
 * the process), and the inertia; `threads` to share the starts.
 */
function tailorSweep(threads) {
  const fits = [];
  for (let k = 2; k <= 10; k++) {
    let fastest = Infinity;
    let fastestCpu = Infinity;
    let fit;
    for (let r = 0; r < REPEATS; r++) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      fit = fitKMeans(table, { k, starts: 10, threads });
      fastestCpu = Math.min(fastestCpu, cpuSeconds(cpu));
      fastest = Math.min(fastest, seconds(started));
    }
    fits.push({ k, seconds: fastest, cpu_seconds: fastestCpu, inertia: fit.inertia });
  }
  return fits;
}

/** scikit-learn's sweep (and its automatic k), in its own process. */
function sklearnSweep(env) {
  return JSON.parse(
    execFileSync(PYTHON, [join(here, 'sklearn-reference.py'), RFM], {
      encoding: 'utf8',
      env: { ...process.env, BENCH_REPEATS: String(REPEATS), ...env },
    }),
  ).rfm;
}

const ONE_THREAD = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
const total = (fits, key = 'seconds') => fits.reduce((sum, r) => sum + r[key], 0);
const rounds = [];
for (let r = 0; r < ROUNDS; r++) {
  console.error(
    `RFM sweep, round ${r + 1} of ${ROUNDS}: Tailor (${threadCount} threads, then one), scikit-learn, scikit-learn on one thread...`,
  );
  const round = {
    tailor: tailorSweep(threads),
    tailorOne: tailorSweep(undefined),
    uptime: loadAverage(),
  };
  if (withReference) {
    round.sklearn = sklearnSweep({});
    round.oneThread = sklearnSweep(ONE_THREAD);
  }
  rounds.push(round);
}
const ours = rounds.at(-1).tailor;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let started = performance.now();
let auto;
let autoSeconds = Infinity;
for (let r = 0; r < 3; r++) {
  started = performance.now();
  auto = clusterFeatures(rfm, { k: 'auto', scale: 'log-standard', threads }).value;
  autoSeconds = Math.min(autoSeconds, seconds(started));
}

// B. One million rows: written for scikit-learn first, then ours.
const dir = mkdtempSync(join(tmpdir(), 'tailor-bench-clusters-'));
let reference;
try {
  const big = synthetic(ROWS);
  const file = join(dir, 'synthetic.f64');
  if (withReference) {
    writeFileSync(file, new Uint8Array(big.values.buffer));
    console.error('scikit-learn: MiniBatchKMeans on the synthetic table...');
    reference = JSON.parse(
      execFileSync(PYTHON, [join(here, 'sklearn-reference.py'), RFM, file, String(ROWS)], {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      }),
    );
  }
  const before = memory();
  // Twice, ours and scikit-learn's stated as the faster of each (one scikit-learn run).
  let mini;
  let miniSeconds = Infinity;
  let miniCpu = Infinity;
  for (let r = 0; r < 2; r++) {
    started = performance.now();
    const cpu = process.cpuUsage();
    mini = fitMiniBatchKMeans(big, { k: 8 });
    miniCpu = Math.min(miniCpu, cpuSeconds(cpu));
    miniSeconds = Math.min(miniSeconds, seconds(started));
  }
  const afterFit = memory();
  started = performance.now();
  const bigAuto = clusterFeatures(big, {
    k: 'auto',
    scale: 'standard',
    algorithm: 'mini-batch',
  }).value;
  const bigAutoSeconds = seconds(started);
  const afterAuto = memory();

  const sweep = (round, side, key) => round[side] && total(round[side].fits ?? round[side], key);
  const perRound = rounds.map((round) => ({
    loadAverage: round.uptime,
    tailor: { seconds: sweep(round, 'tailor'), cpu: sweep(round, 'tailor', 'cpu_seconds') },
    tailorOne: {
      seconds: sweep(round, 'tailorOne'),
      cpu: sweep(round, 'tailorOne', 'cpu_seconds'),
    },
    sklearn: round.sklearn && {
      seconds: sweep(round, 'sklearn'),
      cpu: sweep(round, 'sklearn', 'cpu_seconds'),
    },
    oneThread: round.oneThread && {
      seconds: sweep(round, 'oneThread'),
      cpu: sweep(round, 'oneThread', 'cpu_seconds'),
    },
  }));
  const last = rounds.at(-1);
  const report = {
    machine: 'see bench/RESULTS.md',
    rfm: {
      rows: rfm.rows,
      threads: threadCount,
      rounds: perRound,
      tailor: { autoSeconds, k: auto.k, silhouette: auto.silhouette, inertia: auto.inertia },
      sklearn: last.sklearn && {
        version: reference?.sklearn,
        autoSeconds: last.sklearn.auto_seconds,
        k: last.sklearn.best_k,
        oneThreadAutoSeconds: last.oneThread.auto_seconds,
      },
      perK: ours.map((o, i) => ({
        k: o.k,
        tailorSeconds: +o.seconds.toFixed(4),
        tailorCpu: +o.cpu_seconds.toFixed(4),
        sklearnSeconds: last.sklearn && +last.sklearn.fits[i].seconds.toFixed(4),
        sklearnOneThreadSeconds: last.oneThread && +last.oneThread.fits[i].seconds.toFixed(4),
        sklearnOneThreadCpu: last.oneThread && +last.oneThread.fits[i].cpu_seconds.toFixed(4),
        inertiaRatio: last.sklearn && +(o.inertia / last.sklearn.fits[i].inertia).toFixed(5),
      })),
    },
    synthetic: {
      rows: ROWS,
      columns: COLUMNS,
      miniBatchK8: {
        seconds: miniSeconds,
        cpuSeconds: miniCpu,
        steps: mini.iterations,
        inertia: mini.inertia,
      },
      sklearnMiniBatchK8: reference?.synthetic,
      auto: {
        seconds: bigAutoSeconds,
        k: bigAuto.k,
        silhouette: bigAuto.silhouette,
        algorithm: bigAuto.algorithm,
      },
      memoryMB: { before, afterFit, afterAuto },
    },
  };
  console.log(JSON.stringify(report, null, 2));
  const ratio = (ourTime, theirTime) => (theirTime / ourTime).toFixed(2);
  perRound.forEach((round, r) => {
    const { tailor, tailorOne, sklearn, oneThread } = round;
    let line = `RFM sweep (k 2..10, 10 starts), round ${r + 1}, load ${round.loadAverage.join(' ')}: Tailor ${tailor.seconds.toFixed(3)} s (CPU ${tailor.cpu.toFixed(3)} s, ${threadCount} threads; one thread ${tailorOne.seconds.toFixed(3)} s, CPU ${tailorOne.cpu.toFixed(3)} s: ${ratio(tailor.seconds, tailorOne.seconds)}x)`;
    if (sklearn)
      line +=
        `; scikit-learn ${sklearn.seconds.toFixed(3)} s (CPU ${sklearn.cpu.toFixed(3)} s): ${ratio(tailor.seconds, sklearn.seconds)}x, CPU ${ratio(tailor.cpu, sklearn.cpu)}x` +
        `; one thread ${oneThread.seconds.toFixed(3)} s (CPU ${oneThread.cpu.toFixed(3)} s): ${ratio(tailor.seconds, oneThread.seconds)}x, CPU ${ratio(tailor.cpu, oneThread.cpu)}x`;
    console.log(line);
  });
  if (last.sklearn) {
    const med = (side, key) => median(perRound.map((round) => round[side][key]));
    const ratios = (side, key, ours = 'tailor') =>
      perRound.map((round) => ratio(round[ours][key], round[side][key])).join(' / ');
    console.log(
      `RFM sweep, median of ${perRound.length} rounds: Tailor ${med('tailor', 'seconds').toFixed(3)} s (one thread ${med('tailorOne', 'seconds').toFixed(3)} s), scikit-learn ${med('sklearn', 'seconds').toFixed(3)} s, one thread ${med('oneThread', 'seconds').toFixed(3)} s; ratios per round (scikit-learn time / Tailor time): default threads ${ratios('sklearn', 'seconds')}, one thread ${ratios('oneThread', 'seconds')}; CPU, both on one thread ${ratios('oneThread', 'cpu', 'tailorOne')}`,
    );
    console.log(
      `RFM automatic k: Tailor ${autoSeconds.toFixed(2)} s (k ${auto.k}), scikit-learn ${last.sklearn.auto_seconds.toFixed(2)} s (k ${last.sklearn.best_k}): ${ratio(autoSeconds, last.sklearn.auto_seconds)}x; one thread ${last.oneThread.auto_seconds.toFixed(2)} s: ${ratio(autoSeconds, last.oneThread.auto_seconds)}x`,
    );
  }
  if (reference) {
    const theirs = reference.synthetic;
    console.log(
      `${ROWS} x ${COLUMNS} mini-batch k 8: Tailor ${miniSeconds.toFixed(2)} s (CPU ${miniCpu.toFixed(2)} s, ${mini.iterations} steps), scikit-learn ${theirs.seconds.toFixed(2)} s (CPU ${theirs.cpu_seconds.toFixed(2)} s, ${theirs.steps} steps); inertia ratio ${(mini.inertia / theirs.inertia).toFixed(4)}`,
    );
  }
  console.log(
    `${ROWS} x ${COLUMNS} automatic k (mini-batch, 2..10): ${bigAutoSeconds.toFixed(1)} s, k ${bigAuto.k}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
