// The content index at catalogue scale (part of npm run bench:recommend): N generated product
// texts (default 1,000,000) built from Online Retail's descriptions, TF-IDF hashed to 256
// dimensions, then the HNSW index (as served) against exact search measured in the
// same run: build time, query latency, recall@K of the approximate search, and the whole serving
// path of a content recommender (score + rank top-20 over every item) for people of 5 items.
// Env: BENCH_ANN_ITEMS (1000000), BENCH_ANN_QUERIES (2000), BENCH_ANN_EXACT (100 queries
// searched exactly too), BENCH_ANN_EF (other search widths to measure on the same graph), BENCH_K.
import {
  buildInteractionMatrix,
  contentRecommender,
  contentVectors,
  exactSearch,
  recommendItems,
  tfidfVectors,
} from '@tailor/core';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import {
  DEFAULT_HNSW_OPTIONS,
  hnswSearch,
  readHnswSearch,
  writeHnswIndex,
} from '../../packages/server/dist/recommend/hnsw-search.js';

const CATEGORIES = [
  'Home/Kitchen',
  'Home/Garden',
  'Lighting',
  'Party & Seasonal',
  'Bags & Storage',
  'Stationery',
  'Toys/Games',
  'Gifts',
  'Jewellery',
  'Textiles',
  'Christmas',
  'Baking',
  'Bathroom',
  'Clocks',
  'Frames',
  'Signs',
  'Candles',
  'Cushions',
  'Ceramics',
  'Glassware',
];
const MODIFIERS = [
  'large',
  'small',
  'mini',
  'jumbo',
  'set',
  'pack',
  'vintage',
  'retro',
  'pink',
  'blue',
  'green',
  'red',
  'ivory',
  'gold',
  'silver',
  'spotty',
  'floral',
  'striped',
  'wooden',
  'glass',
];

/** A seeded generator (mulberry32): the same catalogue every run. */
export function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `n` product texts: a real description, a word swapped or added, a category and one of 5,000 brands. */
export function productTexts(descriptions, n, random) {
  const words = [...new Set(descriptions.flatMap((d) => d.toLowerCase().split(/\s+/)))].filter(
    (w) => w.length > 1,
  );
  const pick = (list) => list[Math.floor(random() * list.length)];
  const texts = new Array(n);
  for (let i = 0; i < n; i++) {
    const name = pick(descriptions).toLowerCase().split(/\s+/);
    if (random() < 0.5) name[Math.floor(random() * name.length)] = pick(words);
    if (random() < 0.7) name.push(pick(MODIFIERS));
    texts[i] = `${name.join(' ')} ${pick(CATEGORIES)} brand${Math.floor(random() ** 2 * 5000)}`;
  }
  return texts;
}

/**
 * The searches the ANN benches compare (hnsw-tuning-bench.js, ann-compare.js): `n` generated items'
 * content vectors from the Online Retail descriptions in `data` (its gzipped CSV), and `queries`
 * people's profiles, each the sum of 5 random items scaled to unit length.
 */
export async function catalogueAndProfiles(data, n, queries, random) {
  const descriptions = new Map();
  for await (const row of createReadStream(data)
    .pipe(createGunzip())
    .pipe(parse({ columns: true })))
    if (row.Description) descriptions.set(row.StockCode, row.Description);
  const content = contentVectors(tfidfVectors(productTexts([...descriptions.values()], n, random)));
  const d = content.dimensions;
  const profiles = Array.from({ length: queries }, () => {
    const profile = new Float32Array(d);
    for (let p = 0; p < 5; p++) {
      const i = Math.floor(random() * n);
      for (let j = 0; j < d; j++) profile[j] += content.vectors[i * d + j];
    }
    const norm = Math.hypot(...profile);
    for (let j = 0; j < d; j++) profile[j] /= norm;
    return profile;
  });
  return { content, profiles };
}

export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
const ms = (t0) => performance.now() - t0;

export function runContentIndexBench(descriptions, k = 20) {
  const n = Number(process.env.BENCH_ANN_ITEMS ?? 1_000_000);
  const queries = Number(process.env.BENCH_ANN_QUERIES ?? 2000);
  const exactQueries = Number(process.env.BENCH_ANN_EXACT ?? 100);
  const random = generator(17);
  let t0 = performance.now();
  const texts = productTexts(descriptions, n, random);
  const generateMs = ms(t0);
  t0 = performance.now();
  const tfidf = tfidfVectors(texts);
  const tfidfMs = ms(t0);
  t0 = performance.now();
  const content = contentVectors(tfidf);
  const hashMs = ms(t0);
  console.error(
    `${n} texts (${tfidf.vocabulary.length} terms): generated ${(generateMs / 1000).toFixed(1)} s, ` +
      `TF-IDF ${(tfidfMs / 1000).toFixed(1)} s, hashed to ${content.dimensions} dims ${(hashMs / 1000).toFixed(1)} s`,
  );
  t0 = performance.now();
  console.error(`building HNSW over ${n} items (${new Date().toISOString()})`);
  const approximate = hnswSearch(content);
  const buildMs = ms(t0);
  console.error(
    `HNSW ${JSON.stringify(DEFAULT_HNSW_OPTIONS)} built in ${(buildMs / 1000).toFixed(1)} s`,
  );
  const exact = exactSearch(content);

  // A person's profile: the sum of 5 items' vectors, as the content recommender queries. Ids
  // are zero-padded so the matrix numbers items in the order generated: one index serves both.
  const id = (i) => `i${String(i).padStart(8, '0')}`;
  const people = Array.from({ length: queries }, () =>
    Array.from({ length: 5 }, () => Math.floor(random() * n)),
  );
  const matrix = buildInteractionMatrix(
    people.flatMap((items, u) =>
      items.map((i) => ({ user: `u${String(u).padStart(6, '0')}`, item: id(i), time: 0 })),
    ),
    Array.from({ length: n }, (_, i) => id(i)),
  );
  const d = content.dimensions;
  const profiles = people.map((_, u) => {
    const profile = new Float32Array(d);
    for (let p = matrix.userStart[u]; p < matrix.userStart[u + 1]; p++) {
      const i = matrix.items[p];
      for (let j = 0; j < d; j++) profile[j] += content.vectors[i * d + j];
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += profile[j] * profile[j];
    for (let j = 0; j < d; j++) profile[j] /= Math.sqrt(norm);
    return profile;
  });

  // Each call timed by the wall clock and by the CPU time the process used (the machine is shared:
  // a call waiting for a core shows in the first only).
  const timed = (count, call) => {
    const wall = [];
    const cpu = [];
    for (let q = 0; q < count; q++) {
      const c = process.cpuUsage();
      const t = performance.now();
      call(q);
      wall.push(performance.now() - t);
      const used = process.cpuUsage(c);
      cpu.push((used.user + used.system) / 1000);
    }
    return { wall: wall.sort((a, b) => a - b), cpu: cpu.sort((a, b) => a - b) };
  };
  const annTimes = timed(queries, (q) => approximate(profiles[q], k));
  const annWideTimes = timed(queries, (q) => approximate(profiles[q], 320));
  const truths = [];
  const exactTimes = timed(exactQueries, (q) => truths.push(exact(profiles[q], k)));
  let found = 0;
  truths.forEach((truth, q) => {
    const kth = truth[k - 1].similarity;
    found += approximate(profiles[q], k).filter((nb) => nb.similarity >= kth - 1e-6).length;
  });
  const recall = found / (exactQueries * k);
  // Other search widths on the same graph (BENCH_ANN_EF: a list), read back from the file the
  // fit worker writes in serving.
  const widths = (process.env.BENCH_ANN_EF ?? '').split(',').filter(Boolean).map(Number);
  const byWidth = [];
  if (widths.length > 0) {
    const dir = mkdtempSync(join(tmpdir(), 'tailor-ann-bench-'));
    const file = join(dir, 'index.bin');
    writeHnswIndex(content, file);
    for (const efSearch of widths) {
      const search = readHnswSearch(content, file, { efSearch });
      let hits = 0;
      truths.forEach((truth, q) => {
        const kth = truth[k - 1].similarity;
        hits += search(profiles[q], k).filter((nb) => nb.similarity >= kth - 1e-6).length;
      });
      const times = timed(queries, (q) => search(profiles[q], k));
      byWidth.push({ efSearch, recallAtK: hits / (exactQueries * k), ms: stats(times) });
      console.error(
        `efSearch ${efSearch}: recall@${k} ${(hits / (exactQueries * k)).toFixed(4)}, CPU p50 ` +
          `${stats(times).cpuP50.toFixed(3)} p99 ${stats(times).cpuP99.toFixed(3)} ms`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }

  // The whole serving path: the content recommender over the matrix's items, top-k ranked.
  const recommender = contentRecommender(matrix, new Float64Array(n), content, 90, approximate);
  const scratch = new Float64Array(n);
  const serveTimes = timed(queries, (u) => recommendItems(matrix, recommender, u, k, scratch));
  function stats({ wall, cpu }) {
    return {
      p50: percentile(wall, 0.5),
      p99: percentile(wall, 0.99),
      mean: wall.reduce((s, t) => s + t, 0) / wall.length,
      cpuP50: percentile(cpu, 0.5),
      cpuP99: percentile(cpu, 0.99),
      cpuMean: cpu.reduce((s, t) => s + t, 0) / cpu.length,
    };
  }
  const result = {
    items: n,
    terms: tfidf.vocabulary.length,
    dimensions: d,
    hnsw: DEFAULT_HNSW_OPTIONS,
    seconds: { tfidf: tfidfMs / 1000, hash: hashMs / 1000, build: buildMs / 1000 },
    k,
    recallAtK: recall,
    annMs: stats(annTimes),
    ann320Ms: stats(annWideTimes),
    exactMs: stats(exactTimes),
    speedup: stats(exactTimes).cpuMean / stats(annTimes).cpuMean,
    serveTopKMs: stats(serveTimes),
    byWidth,
  };
  const f = (x) => x.toFixed(3);
  const line = (s) =>
    `p50 ${f(s.p50)} p99 ${f(s.p99)} ms wall, CPU p50 ${f(s.cpuP50)} p99 ${f(s.cpuP99)} ms`;
  console.error(
    `recall@${k} ${recall.toFixed(4)} over ${exactQueries} queries (speedup ${result.speedup.toFixed(0)}x in CPU)\n` +
      `  ANN top-${k}: ${line(result.annMs)}\n  ANN top-320: ${line(result.ann320Ms)}\n` +
      `  exact top-${k}: ${line(result.exactMs)}\n  serving top-${k}: ${line(result.serveTopKMs)}`,
  );
  return result;
}
