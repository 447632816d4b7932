// Issue 17's serving target at catalogue scale (BENCH_PARTS=decide-1m npm run bench:recommend-serving):
// a whole POST /v1/decide whose template lists a top-20 from a content recommender over a
// 1,000,000-item catalogue searched through the HNSW index, as `tailor serve` runs it.
//   1. Tailor opened as `tailor serve` does (SQLite, logs at warn, the pipeline and checkpoints on
//      the background thread, the fit on its worker thread, the index searched on the search
//      thread, which makes the known people's lists ahead after training: the backlog of lists
//      still to make is logged as each phase starts, not waited for).
//   2. N generated product texts (content-index.js's generator: Online Retail descriptions with a
//      word swapped or added, a category of 20, a brand of 5,000) stored through the catalog
//      service, 5,000 a batch (the route's own limit is a request's body size).
//   3. PEOPLE people with 5 Product Viewed events each over the catalogue, collected and folded.
//   4. A content recommender (k 20, default HNSW settings) trained from the log and the catalogue.
//   5. Recall of the served list: for RECALL people, the top-20 the recommender serves against
//      the same recommender searching every item exactly (ties at the exact 20th count as found).
//   6. Decisions at a FIXED RATE (open loop: request i is due at start + i / rate, and its latency
//      counts from when it was due, so a slow answer delays the next ones' clocks too), one
//      placement whose template lists `recommendations.shop` as 20 links. Each round has three
//      phases: `plain`, the reference, the same decision with a template that reads no
//      recommender; `cold`, each person's first decision (people never decided before); `repeat`,
//      the same people again in another order, CHANGED of them (a share) having viewed a product
//      since (followed into the model before the phase), as returning visitors would.
// BENCH_CACHE=DIR keeps what does not change between runs: the data folder after steps 2 and 3
// (copied for each run, which then adds to its copy) and the fit of step 4 (its matrix, vectors
// and HNSW index), so a second run with the same ITEMS and PEOPLE skips 16 minutes of training.
// Env: BENCH_DECIDE_ITEMS (1000000), BENCH_DECIDE_PEOPLE (ROUNDS × DECISIONS + 200),
//   BENCH_DECIDE_RATE (100 a second), BENCH_DECISIONS (2000 a phase), BENCH_ROUNDS (3),
//   BENCH_DECIDE_CHANGED (0.5), BENCH_DECIDE_RECALL (100 people), BENCH_DECIDE_EF (efSearch; the
//   default's when unset), BENCH_CACHE (a folder), BENCH_DATA (Online Retail's CSV),
//   BENCH_DECIDE_PROFILE (a file: the main thread's CPU profile of the timed rounds, .cpuprofile),
//   BENCH_DECIDE_ALLOCATIONS (a file: where the rounds' main-thread allocations were made, garbage
//   included: a sampling heap profile, .heapprofile),
//   BENCH_DECIDE_HEAP (a file: the main thread's heap snapshot after the warm-up, .heapsnapshot).
import { cpSync, createReadStream, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { writeHeapSnapshot } from 'node:v8';
import { loadavg, tmpdir } from 'node:os';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { idAt, indexOfId, recommendItems, recommenderFrom } from '@tailor/core';
import { defaultFitter } from '../../packages/server/dist/recommend/fit-recommender.js';
import { openInProcessTailor } from '../support/in-process-tailor.js';
import { generator, percentile, productTexts } from './content-index.js';
import { cachingFitter } from './fit-cache.js';

const ITEMS = Number(process.env.BENCH_DECIDE_ITEMS ?? 1_000_000);
const RATE = Number(process.env.BENCH_DECIDE_RATE ?? 100);
const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARM_UP = 200;
const PEOPLE = Number(process.env.BENCH_DECIDE_PEOPLE ?? ROUNDS * DECISIONS + WARM_UP);
const CHANGED = Number(process.env.BENCH_DECIDE_CHANGED ?? 0.5);
const RECALL = Number(process.env.BENCH_DECIDE_RECALL ?? 100);
const EF =
  process.env.BENCH_DECIDE_EF === undefined ? undefined : Number(process.env.BENCH_DECIDE_EF);
const CACHE = process.env.BENCH_CACHE;
/** The target: a decision slower than this (from its due time) is counted, and whether a collection overlapped it. */
const SLOW_MS = 5;
/** The events' clock: fixed, so that a run's data and fit are those of the cached run. */
const EPOCH = Date.UTC(2026, 10, 30);
const DATA =
  process.env.BENCH_DATA ??
  fileURLToPath(
    new URL('../../../shared/data/online-retail/online-retail.csv.gz', import.meta.url),
  );

const cpuSeconds = (since) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};
const log = (line) =>
  console.error(`[${new Date().toISOString()} load ${loadavg()[0].toFixed(1)}] ${line}`);

async function readDescriptions() {
  if (!existsSync(DATA)) throw new Error(`no data at ${DATA} (set BENCH_DATA)`);
  const descriptions = new Set();
  const rows = createReadStream(DATA)
    .pipe(createGunzip())
    .pipe(parse({ columns: true }));
  for await (const row of rows) if (row.Description) descriptions.add(row.Description);
  return [...descriptions];
}

/**
 * The two placements the serving benches compare: `recs` lists recommender `shop`'s items in its
 * template; `plain` has the same loop over `picks`, which nothing in the scope gives, so it is the
 * same decision without a list.
 */
export async function putListPlacements(call) {
  const placement = (template) => ({
    items: [{ id: 'list', template }],
    default: { id: 'none', template: '' },
  });
  await call(
    'PUT',
    '/v1/placements/recs',
    placement(
      '{% for r in recommendations.shop %}<a href="/p/{{ r.item }}">{{ r.item }}</a>{% endfor %}',
    ),
  );
  await call(
    'PUT',
    '/v1/placements/plain',
    placement('{% for r in picks %}<a href="/p/{{ r }}">{{ r }}</a>{% endfor %}'),
  );
}

/** Steps 2 and 3: the catalogue and the people's views, stored and folded. */
async function fillData(tailor, call, result) {
  const random = generator(17);
  const texts = productTexts(await readDescriptions(), ITEMS, random);
  let t = performance.now();
  for (let start = 0; start < ITEMS; start += 5000) {
    const batch = [];
    for (let i = start; i < Math.min(ITEMS, start + 5000); i++)
      batch.push({ id: `i${i}`, name: texts[i] });
    await tailor.catalog.put(batch);
  }
  result.catalogueSeconds = (performance.now() - t) / 1000;
  log(`catalogue of ${ITEMS} items stored in ${result.catalogueSeconds.toFixed(0)} s`);
  t = performance.now();
  let batch = [];
  for (let p = 0; p < PEOPLE; p++) {
    for (let n = 0; n < 5; n++)
      batch.push({
        type: 'track',
        event: 'Product Viewed',
        userId: `p${p}`,
        properties: { product_id: `i${Math.floor(random() * ITEMS)}` },
        timestamp: new Date(EPOCH - (p + n * 997) * 60_000).toISOString(),
      });
    if (batch.length >= 500 || p === PEOPLE - 1) {
      await call('POST', '/v1/batch', { batch });
      batch = [];
    }
  }
  await tailor.pipeline.catchUp();
  log(
    `${PEOPLE * 5} events collected and folded in ${((performance.now() - t) / 1000).toFixed(0)} s`,
  );
}

/**
 * Tailor on a data folder holding steps 2 and 3: filled here, or (BENCH_CACHE) a copy of the
 * cached folder, filled once; its recommender fits cached there too.
 */
async function openFilled(result) {
  const prefix = 'tailor-bench-decide-million-';
  if (CACHE === undefined) {
    const opened = await openInProcessTailor(prefix);
    await fillData(opened.tailor, opened.call, result);
    return opened;
  }
  const data = join(CACHE, `data-${ITEMS}-${PEOPLE}`);
  if (!existsSync(join(data, 'FILLED'))) {
    const filling = await openInProcessTailor(prefix, { dir: data, keep: true });
    await fillData(filling.tailor, filling.call, result);
    await filling.close();
    writeFileSync(join(data, 'FILLED'), new Date().toISOString());
  } else log(`data folder from the cache: ${data}`);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(data, dir, { recursive: true });
  const fit = cachingFitter(CACHE, defaultFitter(), {
    onHit: (key) => log(`fit ${key} from the cache`),
    onMiss: (key) => log(`fit ${key} not in the cache: fitting (kept for the next run)`),
  });
  // The pipeline on its worker thread, as `tailor serve` runs it (it folded on this thread before).
  return openInProcessTailor(prefix, {
    dir,
    open: { recommenderFit: fit, backgroundThread: true },
  });
}

/**
 * Step 5: of each person's served top-20, the share in the exact top-20 of the same recommender
 * (every item compared), an item scoring at least the exact 20th's counted as found.
 */
async function servedRecall(tailor, call, people) {
  // The served model, read from the recommenders' memory (the bench's only look inside).
  const trained = tailor.recommenders.models.get('shop');
  const exact = recommenderFrom(trained.matrix, trained.parameters, trained.options);
  const scratch = new Float64Array(trained.matrix.itemIds.length);
  let found = 0;
  let asked = 0;
  for (const userId of people) {
    const served = await call('GET', `/v1/recommendations/shop?userId=${userId}&k=20`);
    const profile = await tailor.profiles.byIdentifier({ type: 'userId', value: userId });
    const row = indexOfId(trained.matrix.userIds, `p:${profile?.id}`);
    const truth = recommendItems(trained.matrix, exact, row, 20, scratch);
    const last = truth[truth.length - 1]?.score ?? Infinity;
    const inTruth = new Set(truth.map((r) => idAt(trained.matrix.itemIds, r.item)));
    for (const { item, score } of served.items)
      if (inTruth.has(item) || score >= last - 1e-6) found++;
    asked += truth.length;
  }
  return asked === 0 ? NaN : found / asked;
}

/** One phase: a decision for each of `people` in turn, at RATE a second. */
async function phase(call, name, people, tailor) {
  const ahead = tailor?.recommenders.aheadBacklog('shop');
  const latency = [];
  const service = [];
  const fallbacks = [];
  // The main thread's collections during the phase: what the slow decisions waited on.
  const pauses = [];
  const observer = new PerformanceObserver((list) => {
    for (const { startTime, duration, detail } of list.getEntries())
      pauses.push({ from: startTime, to: startTime + duration, kind: detail?.kind });
  });
  observer.observe({ entryTypes: ['gc'] });
  const slow = [];
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < people.length; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const began = performance.now();
    const answer = await call('POST', '/v1/decide', { userId: people[i], placements: [name] });
    const ended = performance.now();
    latency.push(ended - Math.min(due, began));
    service.push(ended - began);
    if (ended - Math.min(due, began) > SLOW_MS)
      slow.push({ from: Math.min(due, began), to: ended });
    const decision = answer.decisions[0];
    // A decision over its time budget serves the default: counted (a list not shown), not fatal.
    if (decision.fallback) fallbacks.push(decision.reasons[0]);
    else if (name === 'recs' && decision.content.split('<a ').length !== 21)
      throw new Error(`not a list of 20: ${JSON.stringify(decision)}`);
  }
  await new Promise((resolve) => setImmediate(resolve)); // the last collections' entries
  observer.disconnect();
  latency.sort((a, b) => a - b);
  service.sort((a, b) => a - b);
  const overlaps = (r) => pauses.some((g) => g.from < r.to && g.to > r.from);
  const gcMs = pauses.map((g) => g.to - g.from).sort((a, b) => a - b);
  // Full collections (mark-compact, and incremental marking's steps), apart from the scavenges.
  const major = pauses.filter(
    (g) =>
      g.kind === constants.NODE_PERFORMANCE_GC_MAJOR ||
      g.kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL,
  );
  return {
    p50: percentile(latency, 0.5),
    p99: percentile(latency, 0.99),
    serviceP50: percentile(service, 0.5),
    serviceP99: percentile(service, 0.99),
    cpuMs: (cpuSeconds(cpu) * 1000) / people.length,
    ...(ahead !== undefined && { aheadAtStart: ahead }),
    fallbacks: fallbacks.length,
    ...(fallbacks.length > 0 && { fallbackReason: fallbacks[0] }),
    gc: {
      pauses: gcMs.length,
      totalMs: gcMs.reduce((sum, ms) => sum + ms, 0),
      p50Ms: percentile(gcMs, 0.5) ?? 0,
      maxMs: gcMs[gcMs.length - 1] ?? 0,
      major: major.length,
      majorMs: major.reduce((sum, g) => sum + g.to - g.from, 0),
      // Decisions over SLOW_MS from their due time, and those of them a collection overlapped.
      slow: slow.length,
      slowDuringGc: slow.filter(overlaps).length,
    },
  };
}

/** A Product Viewed for CHANGED of `people`, followed into the model (what the repeat phase reacts to). */
async function viewSince(tailor, call, people, random) {
  const batch = [];
  for (const userId of people)
    if (random() < CHANGED)
      batch.push({
        type: 'track',
        event: 'Product Viewed',
        userId,
        properties: { product_id: `i${Math.floor(random() * ITEMS)}` },
      });
  for (let i = 0; i < batch.length; i += 500)
    await call('POST', '/v1/batch', { batch: batch.slice(i, i + 500) });
  await tailor.pipeline.catchUp();
  // The follower reads 5,000 log events a call; the rounds' decisions are in the log too.
  for (let i = 0; i < 20; i++) await tailor.recommenders.followLog();
  return batch.length;
}

const describe = (p) =>
  `p50 ${p.p50.toFixed(2)} / p99 ${p.p99.toFixed(2)} ms (service p99 ${p.serviceP99.toFixed(2)}, ` +
  `${p.cpuMs.toFixed(2)} ms CPU, ${p.fallbacks} fallbacks, ` +
  `${p.gc.slow} over ${SLOW_MS} ms of which ${p.gc.slowDuringGc} during a collection; ` +
  `${p.gc.pauses} collections, p50 ${p.gc.p50Ms.toFixed(1)} / max ${p.gc.maxMs.toFixed(1)} ms, ` +
  `${p.gc.major} of them full taking ${p.gc.majorMs.toFixed(1)} ms` +
  `${p.aheadAtStart === undefined ? '' : `, ${p.aheadAtStart} lists to make ahead at start`})`;

export async function runDecideMillion() {
  const result = {
    items: ITEMS,
    people: PEOPLE,
    rate: RATE,
    changed: CHANGED,
    load: [loadavg()[0]],
  };
  const { tailor, call, close } = await openFilled(result);
  try {
    await call('PUT', '/v1/recommenders/shop', {
      method: 'content',
      k: 20,
      ...(EF !== undefined && { hnsw: { efSearch: EF } }),
    });
    const t = performance.now();
    const cpu = process.cpuUsage();
    let model;
    // The PUT started a training; POST .../train joins it or waits for the one after.
    while ((model = tailor.recommenders.status('shop').model) === undefined)
      await new Promise((resolve) => setTimeout(resolve, 2000));
    result.training = {
      wallSeconds: (performance.now() - t) / 1000,
      // The fit (TF-IDF, hashing, the HNSW build) runs on the worker thread: this process's CPU.
      processCpuSeconds: cpuSeconds(cpu),
      model,
    };
    log(`trained: ${JSON.stringify(result.training)}`);
    result.rssMB = Math.round(process.memoryUsage().rss / 2 ** 20);

    await putListPlacements(call);
    // People in decision order: each phase's `cold` people are decided for the first time.
    let next = 0;
    const fresh = (n) => Array.from({ length: n }, () => `p${(next++ * 7919) % PEOPLE}`);
    const random = generator(18);
    const warm = fresh(WARM_UP);
    await phase(call, 'plain', warm);
    result.warmUp = await phase(call, 'recs', warm, tailor); // the index's pages read in
    log(`warm-up: ${JSON.stringify(result.warmUp)}`);
    if (RECALL > 0) {
      result.recall = await servedRecall(tailor, call, warm.slice(0, RECALL));
      log(
        `recall@20 of the served list against exact search (${Math.min(RECALL, WARM_UP)} people): ${result.recall.toFixed(3)}`,
      );
    }
    if (process.env.BENCH_DECIDE_HEAP !== undefined)
      log(`heap snapshot written to ${writeHeapSnapshot(process.env.BENCH_DECIDE_HEAP)}`);
    result.rounds = [];
    const allocations = process.env.BENCH_DECIDE_ALLOCATIONS;
    const sampler = allocations === undefined ? undefined : new Session();
    if (sampler !== undefined) {
      sampler.connect();
      await sampler.post('HeapProfiler.enable');
      await sampler.post('HeapProfiler.startSampling', {
        samplingInterval: 16384,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    }
    const profile = process.env.BENCH_DECIDE_PROFILE;
    const session = profile === undefined ? undefined : new Session();
    if (session !== undefined) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    for (let round = 1; round <= ROUNDS; round++) {
      const people = fresh(DECISIONS);
      const plain = await phase(call, 'plain', people);
      const cold = await phase(call, 'recs', people, tailor);
      const viewed = await viewSince(tailor, call, people, random);
      const again = people.map((_, i) => people[(i * 7919) % people.length]);
      const repeat = await phase(call, 'recs', again, tailor);
      result.rounds.push({ plain, cold, repeat, viewed, load: loadavg()[0] });
      log(
        `round ${round} at ${RATE}/s: with top-20, first visit ${describe(cold)}; ` +
          `repeat visit (${viewed} of ${DECISIONS} viewed a product since) ${describe(repeat)}; ` +
          `without a list ${describe(plain)}`,
      );
    }
    // After the rounds: what the model holds once training's leftovers are collected.
    result.rssAfterMB = Math.round(process.memoryUsage().rss / 2 ** 20);
    if (sampler !== undefined) {
      const { profile: sampled } = await sampler.post('HeapProfiler.stopSampling');
      writeFileSync(allocations, JSON.stringify(sampled));
      sampler.disconnect();
      log(`allocation profile of the rounds written to ${allocations}`);
    }
    if (session !== undefined) {
      const { profile: recorded } = await session.post('Profiler.stop');
      writeFileSync(profile, JSON.stringify(recorded));
      session.disconnect();
      log(`CPU profile of the rounds written to ${profile}`);
    }
  } finally {
    await close();
  }
  result.load.push(loadavg()[0]);
  return result;
}
