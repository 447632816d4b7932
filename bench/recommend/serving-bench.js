// Issue 17's serving and training targets (npm run bench:recommend-serving):
// A. training on 500,000 interactions: 20,000 people of 25 distinct items each over a 4,000-item
//    catalogue (items drawn with a Zipf-like skew, as sales are), the matrix built and each
//    method's parameters fitted (core's buildInteractionMatrix + fitParameters, as the fit worker
//    does), CPU and wall seconds.
// B. top-20 inside decide: a Tailor opened as `tailor serve` does (SQLite, logs at warn), 4,000
//    people's Product Viewed events (25 items each over the same 4,000 items) collected and
//    folded, an EASE recommender (k 20) trained from the log, and a placement whose template lists
//    `recommendations.shop`. Timed: POST /v1/decide for a known person, one request at a time
//    through Fastify's inject (wall ms per decision), against the reference measured in the same
//    run, alternating rounds: the same placement's decision with a template that reads no
//    recommender. The difference is what the list costs inside decide.
// C. (BENCH_PARTS=decide-1m, not run by default: an hour of wall on the shared VM the first time,
//    minutes once BENCH_CACHE keeps the trained model) the same whole decision over a
//    1,000,000-item content recommender through its HNSW index, at a fixed rate, first and
//    repeat visits: decide-million.js.
// Env: BENCH_PARTS (train,decide; decide-1m), BENCH_DECISIONS (2000 a round), BENCH_ROUNDS (3),
//   BENCH_METHODS (ease,item-knn: part A's).
import { loadavg } from 'node:os';
import { buildInteractionMatrix, fitParameters } from '@tailor/core';
import { openInProcessTailor } from '../support/in-process-tailor.js';
import { generator, percentile } from './content-index.js';
import { putListPlacements, runDecideMillion } from './decide-million.js';

const PARTS = new Set((process.env.BENCH_PARTS ?? 'train,decide').split(','));
const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const METHODS = (process.env.BENCH_METHODS ?? 'ease,item-knn').split(',');
const ITEMS = 4000;
const PER_PERSON = 25;
const random = generator(17);

/** 25 distinct items of the catalogue, skewed towards the first (a Zipf-like sales curve). */
function itemsOfPerson() {
  const items = new Set();
  while (items.size < PER_PERSON) items.add(Math.floor(ITEMS * random() ** 2.5));
  return [...items];
}

const cpuSeconds = (since) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};
const results = { load: [loadavg()[0]] };

if (PARTS.has('train')) {
  const interactions = [];
  const start = Date.UTC(2026, 0, 1);
  for (let p = 0; p < 20_000; p++)
    for (const item of itemsOfPerson())
      interactions.push({
        user: `p${p}`,
        item: `i${item}`,
        time: start + Math.floor(random() * 300 * 86_400_000),
      });
  results.train = { interactions: interactions.length, methods: {} };
  for (const method of METHODS) {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    const matrix = buildInteractionMatrix(interactions);
    const fitted = fitParameters(matrix, method);
    if (!fitted.ok) throw new Error(fitted.error);
    const r = {
      items: matrix.itemIds.length,
      pairs: matrix.items.length,
      cpuSeconds: cpuSeconds(cpu),
      wallSeconds: (performance.now() - wall) / 1000,
      load: loadavg()[0],
    };
    results.train.methods[method] = r;
    console.error(
      `train ${method}: ${r.pairs} pairs over ${r.items} items in ${r.cpuSeconds.toFixed(1)} s CPU ` +
        `(${r.wallSeconds.toFixed(1)} s wall, load ${r.load.toFixed(1)})`,
    );
  }
}

if (PARTS.has('decide')) {
  const { tailor, call, close } = await openInProcessTailor('tailor-bench-recommend-serving-');
  try {
    const PEOPLE = 4000;
    const now = Date.now();
    let batch = [];
    const t0 = performance.now();
    for (let p = 0; p < PEOPLE; p++) {
      itemsOfPerson().forEach((item, n) =>
        batch.push({
          type: 'track',
          event: 'Product Viewed',
          userId: `p${p}`,
          properties: { product_id: `i${item}` },
          timestamp: new Date(now - (p + n * 997) * 60_000).toISOString(),
        }),
      );
      if (batch.length >= 500 || p === PEOPLE - 1) {
        await call('POST', '/v1/batch', { batch });
        batch = [];
      }
    }
    await tailor.pipeline.catchUp();
    console.error(
      `collected and folded ${PEOPLE * PER_PERSON} events in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
    await call('PUT', '/v1/recommenders/shop', { method: 'ease', k: 20 });
    const t1 = performance.now();
    const model = await call('POST', '/v1/recommenders/shop/train');
    console.error(
      `trained: ${model.items} items, ${model.interactions} pairs in ${((performance.now() - t1) / 1000).toFixed(0)} s`,
    );
    await putListPlacements(call);
    let n = 0;
    const phase = async (name) => {
      const wall = [];
      const cpu = process.cpuUsage();
      for (let i = 0; i < DECISIONS; i++) {
        const userId = `p${(n++ * 7919) % PEOPLE}`;
        const t = performance.now();
        const answer = await call('POST', '/v1/decide', { userId, placements: [name] });
        wall.push(performance.now() - t);
        const decision = answer.decisions[0];
        if (name === 'recs' && (decision.fallback || decision.content.split('<a ').length !== 21))
          throw new Error(`not a list of 20: ${JSON.stringify(decision)}`);
      }
      wall.sort((a, b) => a - b);
      return {
        p50: percentile(wall, 0.5),
        p99: percentile(wall, 0.99),
        cpuMs: (cpuSeconds(cpu) * 1000) / DECISIONS,
      };
    };
    await phase('plain');
    await phase('recs'); // warm-up
    results.decide = { people: PEOPLE, items: model.items, rounds: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      const plain = await phase('plain');
      const recs = await phase('recs');
      const r = { plain, recs, load: loadavg()[0] };
      results.decide.rounds.push(r);
      console.error(
        `round ${round} (load ${r.load.toFixed(1)}): decide with top-20 p50 ${recs.p50.toFixed(2)} / p99 ${recs.p99.toFixed(2)} ms ` +
          `(${recs.cpuMs.toFixed(2)} ms CPU); without p50 ${plain.p50.toFixed(2)} / p99 ${plain.p99.toFixed(2)} ms ` +
          `(${plain.cpuMs.toFixed(2)} ms CPU); p99 ratio ${(recs.p99 / plain.p99).toFixed(2)}`,
      );
    }
  } finally {
    await close();
  }
}
if (PARTS.has('decide-1m')) results.decideMillion = await runDecideMillion();
results.load.push(loadavg()[0]);
console.log(JSON.stringify(results, null, 2));
