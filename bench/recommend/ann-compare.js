// The content index's library compared in one run (docs/recommendations.md, "Why usearch"):
// hnswlib-node (the index before usearch, no longer a dependency: `npm install --no-save
// hnswlib-node` first, or HNSWLIB=its folder) against usearch storing f32, f16 or i8 vectors, on
// the generated catalogue of content-index.js (TF-IDF hashed to 256 dimensions) queried by
// people's profiles (5 items summed). Each index is built with the same M and efConstruction on
// one thread (build CPU seconds), then searched at each efSearch asking ASK candidates (the
// content recommender asks 300 plus the person's items): recall@20 against exact search of EXACT
// profiles (the found candidates scored exactly, as served; ties at the 20th count as found) and
// CPU per search of Q profiles (the search alone).
// Env: N (200000 items), Q (300), EXACT (100), ASK (305; a list), LIBS (hnswlib,f32,f16,i8),
//   EF (100,200,400), M (16), EFC (64), THREADS (1: the build's), ROUNDS (3: every search timed
//   once a round, in turn, so that the machine's load falls on each alike), BENCH_DATA.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exactSearch } from '@tailor/core';
import { catalogueAndProfiles, generator } from './content-index.js';

const require = createRequire(import.meta.url);
const LIBS = (process.env.LIBS ?? 'hnswlib,f32,f16,i8').split(',');
const hnswlib = LIBS.includes('hnswlib')
  ? require(process.env.HNSWLIB ?? 'hnswlib-node')
  : undefined;
// usearch is the server package's dependency: resolved from there, however npm laid it out.
const usearch = createRequire(new URL('../../packages/server/package.json', import.meta.url))(
  'usearch',
);
/** hnswlib-node built another way (HNSWLIB_B: its folder), compared as lib `hnswlib-b`. */
const hnswlibB = LIBS.includes('hnswlib-b') ? require(process.env.HNSWLIB_B) : undefined;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const N = Number(process.env.N ?? 200_000);
const Q = Number(process.env.Q ?? 300);
const EXACT = Number(process.env.EXACT ?? 100);
const ASKS = (process.env.ASK ?? '305').split(',').map(Number);
const WIDTHS = (process.env.EF ?? '100,200,400').split(',').map(Number);
const M = Number(process.env.M ?? 16);
const EFC = Number(process.env.EFC ?? 64);
const THREADS = Number(process.env.THREADS ?? 1);

const DATA =
  process.env.BENCH_DATA ??
  fileURLToPath(
    new URL('../../../shared/data/online-retail/online-retail.csv.gz', import.meta.url),
  );
const random = generator(17);
const { content, profiles } = await catalogueAndProfiles(DATA, N, Q, random);
const d = content.dimensions;
const exact = exactSearch(content);
const truths = profiles.slice(0, EXACT).map((q) => exact(q, 20));
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
console.error(`${N} items d ${d}; load ${loadavg()[0].toFixed(1)}`);
const dir = mkdtempSync(join(tmpdir(), 'ann-lab-'));

/** Recall@20 of `search` (similarities, best first) against exact search. */
function recallOf(search) {
  let hits = 0;
  for (let q = 0; q < EXACT; q++) {
    const found = search(profiles[q]).slice(0, 20);
    const truth = truths[q];
    const last = truth[truth.length - 1].similarity;
    for (const s of found) if (s >= last - 1e-6) hits++;
  }
  return hits / (EXACT * 20);
}

/** The found items' similarities, scored exactly, best first. */
function rescored(q, items) {
  const sims = [];
  for (const i of items) {
    let s = 0;
    for (let j = 0; j < d; j++) s += content.vectors[i * d + j] * q[j];
    sims.push(s);
  }
  return sims.sort((a, b) => b - a);
}

const searches = [];
for (const lib of LIBS) {
  const c0 = cpu();
  const w0 = performance.now();
  const built = () =>
    `${lib} build ${((cpu() - c0) / 1000).toFixed(1)} s CPU, ` +
    `${((performance.now() - w0) / 1000).toFixed(1)} s wall (load ${loadavg()[0].toFixed(1)})`;
  if (lib === 'hnswlib' || lib === 'hnswlib-b') {
    const library = lib === 'hnswlib' ? hnswlib : hnswlibB;
    const index = new library.HierarchicalNSW('ip', d);
    index.initIndex({ maxElements: N, m: M, efConstruction: EFC, randomSeed: 17 });
    for (let i = 0; i < N; i++)
      index.addPoint(Array.from(content.vectors.subarray(i * d, (i + 1) * d)), i);
    console.error(built());
    for (const ef of WIDTHS)
      for (const ask of ASKS)
        searches.push({
          name: `${lib} ef ${ef} ask ${ask}`,
          raw: (q) => {
            index.setEf(ef);
            return index.searchKnn(Array.from(q), ask);
          },
          found: (q) => {
            index.setEf(ef);
            return rescored(q, index.searchKnn(Array.from(q), ask).neighbors);
          },
        });
  } else {
    const config = { dimensions: d, metric: 'ip', quantization: lib, connectivity: M };
    const index = new usearch.Index({ ...config, expansion_add: EFC, expansion_search: 64 });
    const keys = new BigUint64Array(N);
    for (let i = 0; i < N; i++) keys[i] = BigInt(i);
    index.add(keys, content.vectors, THREADS);
    console.error(built());
    const file = join(dir, `${lib}.usearch`);
    index.save(file);
    for (const ef of WIDTHS) {
      // The search's width is the index's setting: one copy of the graph per width.
      const view = new usearch.Index({ ...config, expansion_add: EFC, expansion_search: ef });
      view.load(file);
      for (const ask of ASKS)
        searches.push({
          name: `usearch ${lib} ef ${ef} ask ${ask}`,
          raw: (q) => view.search(q, ask, 1),
          found: (q) => rescored(q, Array.from(view.search(q, ask, 1).keys, Number)),
        });
    }
  }
}
rmSync(dir, { recursive: true, force: true });

const results = searches.map(({ name, found }) => ({ name, recall: recallOf(found), cpuMs: [] }));
for (let round = 0; round < ROUNDS; round++)
  searches.forEach(({ raw }, s) => {
    const c0 = cpu();
    for (const q of profiles) raw(q);
    results[s].cpuMs.push((cpu() - c0) / profiles.length);
  });
for (const { name, recall, cpuMs } of results)
  console.error(
    `${name}: recall@20 ${recall.toFixed(3)}, CPU a search ${cpuMs.map((c) => c.toFixed(3)).join(' / ')} ms`,
  );
console.error(
  `load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log(JSON.stringify({ n: N, m: M, efConstruction: EFC, results }));
