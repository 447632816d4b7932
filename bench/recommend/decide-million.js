// Issue 17's serving target at catalogue scale (BENCH_PARTS=decide-1m npm run bench:recommend-serving):
// a whole POST /v1/decide whose template lists a top-20 from a content recommender over a
// 1,000,000-item catalogue searched through the HNSW index, as `tailor serve` runs it.
//   1. Tailor opened as `tailor serve` does (SQLite, logs at warn, the fit on its worker thread).
//   2. N generated product texts (content-index.js's generator: Online Retail descriptions with a
//      word swapped or added, a category of 20, a brand of 5,000) stored through the catalog
//      service, 5,000 a batch (the route's own limit is a request's body size).
//   3. PEOPLE people with 5 Product Viewed events each over the catalogue, collected and folded.
//   4. A content recommender (k 20, default HNSW settings) trained from the log and the catalogue.
//   5. Decisions at a FIXED RATE (open loop: request i is due at start + i / rate, and its latency
//      counts from when it was due, so a slow answer delays the next ones' clocks too), one
//      placement whose template lists `recommendations.shop` as 20 links; the reference in the same
//      run, rounds alternating, is the same decision with a template that reads no recommender.
// Env: BENCH_DECIDE_ITEMS (1000000), BENCH_DECIDE_PEOPLE (2000), BENCH_DECIDE_RATE (100 a second),
//   BENCH_DECISIONS (2000 a round), BENCH_ROUNDS (3), BENCH_DATA (Online Retail's CSV),
//   BENCH_DECIDE_PROFILE (a file: the main thread's CPU profile of the timed rounds, .cpuprofile).
import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { openInProcessTailor } from '../support/in-process-tailor.js';
import { generator, percentile, productTexts } from './content-index.js';

const ITEMS = Number(process.env.BENCH_DECIDE_ITEMS ?? 1_000_000);
const PEOPLE = Number(process.env.BENCH_DECIDE_PEOPLE ?? 2000);
const RATE = Number(process.env.BENCH_DECIDE_RATE ?? 100);
const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
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
 * template, `plain` renders a list given in the request's context (`picks`) the same way.
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

export async function runDecideMillion() {
  const result = { items: ITEMS, people: PEOPLE, rate: RATE, load: [loadavg()[0]] };
  const random = generator(17);
  const texts = productTexts(await readDescriptions(), ITEMS, random);
  const { tailor, call, close } = await openInProcessTailor('tailor-bench-decide-million-');
  try {
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
    const now = Date.now();
    let batch = [];
    for (let p = 0; p < PEOPLE; p++) {
      for (let n = 0; n < 5; n++)
        batch.push({
          type: 'track',
          event: 'Product Viewed',
          userId: `p${p}`,
          properties: { product_id: `i${Math.floor(random() * ITEMS)}` },
          timestamp: new Date(now - (p + n * 997) * 60_000).toISOString(),
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

    await call('PUT', '/v1/recommenders/shop', { method: 'content', k: 20 });
    t = performance.now();
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
    let n = 0;
    const phase = async (name, decisions) => {
      const latency = [];
      const service = [];
      const fallbacks = [];
      const cpu = process.cpuUsage();
      const start = performance.now();
      for (let i = 0; i < decisions; i++) {
        const due = start + (i * 1000) / RATE;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const userId = `p${(n++ * 7919) % PEOPLE}`;
        const began = performance.now();
        const answer = await call('POST', '/v1/decide', { userId, placements: [name] });
        const ended = performance.now();
        latency.push(ended - Math.min(due, began));
        service.push(ended - began);
        const decision = answer.decisions[0];
        // A decision over its time budget serves the default: counted (a list not shown), not fatal.
        if (decision.fallback) fallbacks.push(decision.reasons[0]);
        else if (name === 'recs' && decision.content.split('<a ').length !== 21)
          throw new Error(`not a list of 20: ${JSON.stringify(decision)}`);
      }
      latency.sort((a, b) => a - b);
      service.sort((a, b) => a - b);
      return {
        p50: percentile(latency, 0.5),
        p99: percentile(latency, 0.99),
        serviceP50: percentile(service, 0.5),
        serviceP99: percentile(service, 0.99),
        cpuMs: (cpuSeconds(cpu) * 1000) / decisions,
        fallbacks: fallbacks.length,
        ...(fallbacks.length > 0 && { fallbackReason: fallbacks[0] }),
      };
    };
    await phase('plain', 200);
    result.warmUp = await phase('recs', 200); // the index's pages read in
    log(`warm-up: ${JSON.stringify(result.warmUp)}`);
    result.rounds = [];
    const profile = process.env.BENCH_DECIDE_PROFILE;
    const session = profile === undefined ? undefined : new Session();
    if (session !== undefined) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    for (let round = 1; round <= ROUNDS; round++) {
      const plain = await phase('plain', DECISIONS);
      const recs = await phase('recs', DECISIONS);
      const r = { plain, recs, load: loadavg()[0] };
      result.rounds.push(r);
      log(
        `round ${round}: at ${RATE}/s, decide with top-20 p50 ${recs.p50.toFixed(2)} / p99 ${recs.p99.toFixed(2)} ms ` +
          `(service p99 ${recs.serviceP99.toFixed(2)}, ${recs.cpuMs.toFixed(2)} ms CPU, ${recs.fallbacks} fallbacks); ` +
          `without p50 ${plain.p50.toFixed(2)} / p99 ${plain.p99.toFixed(2)} ms (${plain.cpuMs.toFixed(2)} ms CPU)`,
      );
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
