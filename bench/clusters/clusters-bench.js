// k-means against scikit-learn on the same machine (npm run bench:clusters).
//   A. The Online Retail RFM table (4,338 customers, log1p then standardized): Tailor's
//      fitKMeans (10 k-means++ starts) against KMeans(n_init=10) for k = 2..10, time and inertia;
//      and the automatic choice of k (every k's fit plus its exact silhouette) both ways. Fits
//      are timed as the fastest of 5 runs on each side (the machine is shared); scikit-learn runs
//      with its default threads, then on one thread (OMP_NUM_THREADS=1).
//   B. One million synthetic profiles with ten features (eight Gaussian groups): mini-batch
//      k-means with k = 8, then k chosen automatically (2..10, silhouette on a 10,000-row sample),
//      with the process's memory before and after each; and scikit-learn's MiniBatchKMeans (k = 8)
//      on the same table, written to a temporary file.
// Needs Debian's python3-sklearn (/usr/bin/python3); without it, prints Tailor's side only.
// Env: BENCH_ROWS (1000000), BENCH_SKLEARN (1; 0 to skip the reference).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterFeatures, fitKMeans, fitMiniBatchKMeans } from '@tailor/core';

const here = dirname(fileURLToPath(import.meta.url));
const RFM = join(here, '../../packages/server/test/fixtures/online-retail/rfm.csv');
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const COLUMNS = 10;
const PYTHON = '/usr/bin/python3';
const withReference = process.env.BENCH_SKLEARN !== '0' && existsSync(PYTHON);

const seconds = (started) => (performance.now() - started) / 1000;
const mb = (bytes) => Math.round(bytes / 1e6);
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
for (let k = 2; k <= 10; k++) fitKMeans(table, { k }); // warm-up
const ours = [];
for (let k = 2; k <= 10; k++) {
  let fastest = Infinity;
  let fit;
  for (let r = 0; r < REPEATS; r++) {
    const started = performance.now();
    fit = fitKMeans(table, { k, starts: 10 });
    fastest = Math.min(fastest, seconds(started));
  }
  ours.push({ k, seconds: fastest, inertia: fit.inertia });
}
let started = performance.now();
let auto;
let autoSeconds = Infinity;
for (let r = 0; r < 3; r++) {
  started = performance.now();
  auto = clusterFeatures(rfm, { k: 'auto', scale: 'log-standard' }).value;
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
    console.error('scikit-learn: RFM sweep and MiniBatchKMeans on the synthetic table...');
    reference = JSON.parse(
      execFileSync(PYTHON, [join(here, 'sklearn-reference.py'), RFM, file, String(ROWS)], {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      }),
    );
    console.error('scikit-learn on one thread (OMP_NUM_THREADS=1): RFM sweep...');
    reference.oneThread = JSON.parse(
      execFileSync(PYTHON, [join(here, 'sklearn-reference.py'), RFM], {
        encoding: 'utf8',
        env: {
          ...process.env,
          OMP_NUM_THREADS: '1',
          OPENBLAS_NUM_THREADS: '1',
          BENCH_REPEATS: String(REPEATS),
        },
      }),
    ).rfm;
  }
  const before = memory();
  started = performance.now();
  const mini = fitMiniBatchKMeans(big, { k: 8 });
  const miniSeconds = seconds(started);
  const afterFit = memory();
  started = performance.now();
  const bigAuto = clusterFeatures(big, {
    k: 'auto',
    scale: 'standard',
    algorithm: 'mini-batch',
  }).value;
  const bigAutoSeconds = seconds(started);
  const afterAuto = memory();

  const total = (rows) => rows.reduce((sum, r) => sum + r.seconds, 0);
  const report = {
    machine: 'see bench/RESULTS.md',
    rfm: {
      rows: rfm.rows,
      tailor: {
        sweepSeconds: total(ours),
        autoSeconds,
        k: auto.k,
        silhouette: auto.silhouette,
        inertia: auto.inertia,
      },
      sklearn: reference && {
        version: reference.sklearn,
        sweepSeconds: total(reference.rfm.fits),
        autoSeconds: reference.rfm.auto_seconds,
        k: reference.rfm.best_k,
        oneThreadSweepSeconds: total(reference.oneThread.fits),
        oneThreadAutoSeconds: reference.oneThread.auto_seconds,
      },
      perK: ours.map((o, i) => ({
        k: o.k,
        tailorSeconds: +o.seconds.toFixed(4),
        sklearnSeconds: reference && +reference.rfm.fits[i].seconds.toFixed(4),
        sklearnOneThreadSeconds: reference && +reference.oneThread.fits[i].seconds.toFixed(4),
        inertiaRatio: reference && +(o.inertia / reference.rfm.fits[i].inertia).toFixed(5),
      })),
    },
    synthetic: {
      rows: ROWS,
      columns: COLUMNS,
      miniBatchK8: { seconds: miniSeconds, steps: mini.iterations, inertia: mini.inertia },
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
  if (reference) {
    const ratio = (a, b) => (b / a).toFixed(2);
    console.log(
      `RFM k-means sweep (k 2..10, 10 starts): Tailor ${total(ours).toFixed(2)} s, scikit-learn ${total(reference.rfm.fits).toFixed(2)} s: speed ratio ${ratio(total(ours), total(reference.rfm.fits))}x`,
    );
    const one = reference.oneThread;
    console.log(
      `same, scikit-learn on one thread: ${total(one.fits).toFixed(2)} s: ${ratio(total(ours), total(one.fits))}x; automatic k ${one.auto_seconds.toFixed(2)} s: ${ratio(autoSeconds, one.auto_seconds)}x`,
    );
    console.log(
      `RFM automatic k: Tailor ${autoSeconds.toFixed(2)} s (k ${auto.k}), scikit-learn ${reference.rfm.auto_seconds.toFixed(2)} s (k ${reference.rfm.best_k}): ${ratio(autoSeconds, reference.rfm.auto_seconds)}x`,
    );
    console.log(
      `${ROWS} x ${COLUMNS} mini-batch k 8: Tailor ${miniSeconds.toFixed(2)} s, scikit-learn ${reference.synthetic.seconds.toFixed(2)} s; inertia ratio ${(mini.inertia / reference.synthetic.inertia).toFixed(4)}`,
    );
  }
  console.log(
    `${ROWS} x ${COLUMNS} automatic k (mini-batch, 2..10): ${bigAutoSeconds.toFixed(1)} s, k ${bigAuto.k}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
