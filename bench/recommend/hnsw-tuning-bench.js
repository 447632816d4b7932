// HNSW construction settings at catalogue scale (npm run bench:hnsw-tuning, issue 17): the same
// generated catalogue as content-index.js (Online Retail descriptions with a word swapped or a
// modifier added, a category, a brand; TF-IDF hashed to 256 dimensions), one graph per (M,
// efConstruction), each searched at several efSearch widths by people's profiles (the decayed
// sum of 5 items, as the content recommender queries). Recall@K counts the approximate K whose
// similarity reaches the exact K-th's, exact search of the same profiles in the same run.
// Env: BENCH_ANN_ITEMS (200000), BENCH_ANN_QUERIES (1000 timed), BENCH_ANN_EXACT (100),
//   BENCH_HNSW ("16:64,16:200,32:64,32:200": M:efConstruction pairs), BENCH_ANN_EF (200,400,800),
//   BENCH_K (20), BENCH_DATA (../shared/data/online-retail/online-retail.csv.gz).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exactSearch } from '@tailor/core';
import {
  readHnswSearch,
  writeHnswIndex,
} from '../../packages/server/dist/recommend/hnsw-search.js';
import { catalogueAndProfiles, generator, percentile } from './content-index.js';

const DATA =
  process.env.BENCH_DATA ??
  fileURLToPath(
    new URL('../../../shared/data/online-retail/online-retail.csv.gz', import.meta.url),
  );
const N = Number(process.env.BENCH_ANN_ITEMS ?? 200_000);
const QUERIES = Number(process.env.BENCH_ANN_QUERIES ?? 1000);
const EXACT = Number(process.env.BENCH_ANN_EXACT ?? 100);
const K = Number(process.env.BENCH_K ?? 20);
const CONFIGS = (process.env.BENCH_HNSW ?? '16:64,16:200,32:64,32:200').split(',').map((c) => {
  const [m, efConstruction] = c.split(':').map(Number);
  return { m, efConstruction };
});
const WIDTHS = (process.env.BENCH_ANN_EF ?? '200,400,800').split(',').map(Number);
if (!existsSync(DATA)) {
  console.error(`no data at ${DATA} (set BENCH_DATA)`);
  process.exit(1);
}

const random = generator(17);
const { content, profiles } = await catalogueAndProfiles(DATA, N, QUERIES, random);
const d = content.dimensions;
const exact = exactSearch(content);
const truths = profiles.slice(0, EXACT).map((q) => exact(q, K));
console.error(`${N} items, ${EXACT} exact truths; load ${loadavg().map((l) => l.toFixed(1))}`);

const cpuMs = (call) => {
  const c = process.cpuUsage();
  call();
  const used = process.cpuUsage(c);
  return (used.user + used.system) / 1000;
};
const dir = mkdtempSync(join(tmpdir(), 'tailor-hnsw-tuning-'));
const results = [];
for (const { m, efConstruction } of CONFIGS) {
  const file = join(dir, `m${m}-ef${efConstruction}.bin`);
  const loadBefore = loadavg()[0];
  const wall = performance.now();
  const buildCpu = cpuMs(() => writeHnswIndex(content, file, { m, efConstruction }));
  const buildWall = (performance.now() - wall) / 1000;
  for (const efSearch of WIDTHS) {
    const search = readHnswSearch(content, file, { efSearch });
    let hits = 0;
    truths.forEach((truth, q) => {
      const kth = truth[K - 1].similarity;
      hits += search(profiles[q], K).filter((nb) => nb.similarity >= kth - 1e-6).length;
    });
    const wallMs = [];
    const cpu = profiles.map((q) => {
      const t = performance.now();
      const used = cpuMs(() => search(q, K));
      wallMs.push(performance.now() - t);
      return used;
    });
    cpu.sort((a, b) => a - b);
    wallMs.sort((a, b) => a - b);
    const r = {
      items: N,
      m,
      efConstruction,
      buildCpuSeconds: buildCpu / 1000,
      buildWallSeconds: buildWall,
      efSearch,
      recallAtK: hits / (truths.length * K),
      cpuP50: percentile(cpu, 0.5),
      cpuP99: percentile(cpu, 0.99),
      wallP99: percentile(wallMs, 0.99),
      load: [loadBefore, loadavg()[0]],
    };
    results.push(r);
    console.error(
      `M ${m} efC ${efConstruction}: built ${r.buildCpuSeconds.toFixed(0)} s CPU (${buildWall.toFixed(0)} s wall); ` +
        `efSearch ${efSearch}: recall@${K} ${r.recallAtK.toFixed(3)}, CPU p50 ${r.cpuP50.toFixed(2)} ` +
        `p99 ${r.cpuP99.toFixed(2)} ms, wall p99 ${r.wallP99.toFixed(2)} ms; load ${r.load.map((l) => l.toFixed(1))}`,
    );
  }
  rmSync(file, { force: true });
}
rmSync(dir, { recursive: true, force: true });
const out = JSON.stringify({ k: K, items: N, results }, null, 2);
if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, out);
console.log(out);
