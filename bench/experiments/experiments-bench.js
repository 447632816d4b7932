// Experiments benchmark.
//   A. Assignment: Tailor's `assignVariant` against the GrowthBook SDK (`@growthbook/growthbook`,
//      GrowthBookClient.runInlineExperiment) assigning the same people to the same 50/30/20 split,
//      in one run; both use GrowthBook's hash v2 with the same seed, so every assignment must agree.
//   B. Results: a log (SqliteEventLog in a temporary folder) of BENCH_EXPOSURES `Experiment Viewed`
//      events over BENCH_PEOPLE people, plus sign-ups, orders (with revenue) and pre-period orders
//      for a share of them; then `computeResults` (the code behind GET /v1/experiments/NAME/results
//      and `tailor experiment results`) timed in a child process, which reports its own peak RSS.
// Env: BENCH_ASSIGN (1000000), BENCH_EXPOSURES (10000000), BENCH_PEOPLE (5000000),
//      BENCH_PARTS (AB), BENCH_LOG_DIR (keep or reuse the generated log there instead of a temp folder).
// Needs `npm run build` (it loads the built server).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GrowthBookClient } from '@growthbook/growthbook';
import { assignVariant } from '@tailor/core';
import { SqliteEventLog } from '../../packages/server/dist/log/sqlite/sqlite-event-log.js';
import { computeResults } from '../../packages/server/dist/experiments/compute-results.js';
import { exposureEvent } from '../../packages/server/dist/experiments/exposure-event.js';

const ASSIGN = Number(process.env.BENCH_ASSIGN ?? 1_000_000);
const EXPOSURES = Number(process.env.BENCH_EXPOSURES ?? 10_000_000);
const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 5_000_000);
const PARTS = process.env.BENCH_PARTS ?? 'AB';
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const mb = (bytes) => (bytes / 2 ** 20).toFixed(0);

const SPLIT = { seed: 'bench-split', ids: ['control', 'a', 'b'], weights: [0.5, 0.3, 0.2] };

// --- A. Assignment ---------------------------------------------------------------------------
function benchAssignment() {
  const people = Array.from({ length: ASSIGN }, (_, i) => `user-${i}`);
  const ours = {
    seed: SPLIT.seed,
    variants: SPLIT.ids.map((id, i) => ({ id, weight: SPLIT.weights[i] })),
    traffic: 1,
  };
  const gb = new GrowthBookClient({});
  const theirs = {
    key: SPLIT.seed,
    seed: SPLIT.seed,
    hashVersion: 2,
    variations: SPLIT.ids,
    weights: SPLIT.weights,
  };
  const tailorOut = new Array(ASSIGN);
  const gbOut = new Array(ASSIGN);
  const runTailor = () => {
    const t = performance.now();
    for (let i = 0; i < ASSIGN; i++) tailorOut[i] = assignVariant(ours, people[i]).variant;
    return performance.now() - t;
  };
  const runGrowthBook = () => {
    const t = performance.now();
    for (let i = 0; i < ASSIGN; i++) {
      const r = gb.runInlineExperiment(theirs, { attributes: { id: people[i] } });
      gbOut[i] = r.inExperiment ? r.value : null;
    }
    return performance.now() - t;
  };
  // A warm-up round each, then the best of three alternating rounds.
  runTailor();
  runGrowthBook();
  const tailorMs = [];
  const gbMs = [];
  for (let round = 0; round < 3; round++) {
    tailorMs.push(runTailor());
    gbMs.push(runGrowthBook());
  }
  let agree = 0;
  const counts = Object.fromEntries(SPLIT.ids.map((id) => [id, 0]));
  for (let i = 0; i < ASSIGN; i++) {
    if (tailorOut[i] === gbOut[i]) agree++;
    counts[tailorOut[i]]++;
  }
  const [t, g] = [Math.min(...tailorMs), Math.min(...gbMs)];
  const result = {
    people: ASSIGN,
    tailorMs: t,
    growthBookMs: g,
    tailorPerSecond: (ASSIGN / t) * 1000,
    growthBookPerSecond: (ASSIGN / g) * 1000,
    ratio: g / t,
    agree,
    counts,
  };
  console.log(
    `A. ${fmt(ASSIGN)} people, 50/30/20: Tailor assignVariant ${t.toFixed(0)} ms (${fmt(result.tailorPerSecond)}/s), ` +
      `GrowthBook SDK ${g.toFixed(0)} ms (${fmt(result.growthBookPerSecond)}/s): **${result.ratio.toFixed(1)}x**; ` +
      `${fmt(agree)} of ${fmt(ASSIGN)} assignments agree; split ${SPLIT.ids.map((id) => `${id} ${fmt(counts[id])}`).join(', ')} ` +
      `(rounds: Tailor ${tailorMs.map((x) => x.toFixed(0)).join('/')} ms, GrowthBook ${gbMs.map((x) => x.toFixed(0)).join('/')} ms)`,
  );
  return result;
}

// --- B. Results over a large log -------------------------------------------------------------
const EXPERIMENT = {
  name: 'bench-checkout',
  version: 1,
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
  variants: [{ id: 'control' }, { id: 'treatment' }],
  metrics: [
    { name: 'signup', type: 'conversion', event: 'Signed Up' },
    { name: 'purchase', type: 'conversion', event: 'Order Completed', within: '7d' },
    { name: 'aov', type: 'mean', event: 'Order Completed', property: 'revenue' },
    { name: 'orders', type: 'count', event: 'Order Completed', guardrail: true },
  ],
};
const T0 = Date.UTC(2026, 10, 1);

function fileBytes(file) {
  let total = 0;
  for (const f of [file, `${file}-wal`]) if (existsSync(f)) total += statSync(f).size;
  return total;
}

async function generateLog(file) {
  let seed = 17;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const log = new SqliteEventLog(file, undefined, { synchronous: 'NORMAL' });
  const ours = {
    seed: EXPERIMENT.name,
    variants: [
      { id: 'control', weight: 1 },
      { id: 'treatment', weight: 1 },
    ],
    traffic: 1,
  };
  let ids = 0;
  const track = (userId, event, at, properties) => {
    const timestamp = new Date(at).toISOString();
    return {
      type: 'track',
      messageId: `m${++ids}`,
      userId,
      anonymousId: null,
      event,
      properties,
      timestamp,
      receivedAt: timestamp,
      context: {},
      tailor: { source: 'bench' },
    };
  };
  const started = performance.now();
  let batch = [];
  let written = 0;
  const flush = async () => {
    await log.append(batch);
    written += batch.length;
    batch = [];
  };
  // Pre-period orders (CUPED's covariate): 5% of people, 3 days before the start.
  for (let p = 0; p < PEOPLE; p++) {
    if (p % 20 === 0)
      batch.push(
        track(`person-${p}`, 'Order Completed', T0 - 3 * 86_400_000, { revenue: 20 + (p % 50) }),
      );
    if (batch.length >= 10_000) await flush();
  }
  // Exposures over ~5.8 days (one every 50 ms); after some, the person signs up or orders.
  for (let i = 0; i < EXPOSURES; i++) {
    const p = Math.floor(random() * PEOPLE);
    const userId = `person-${p}`;
    const at = T0 + i * 50;
    const variant = assignVariant(ours, userId).variant;
    batch.push({
      ...exposureEvent(EXPERIMENT, { variant }, { userId }, at),
      messageId: `m${++ids}`,
    });
    const lift = variant === 'treatment' ? 1.05 : 1;
    if (random() < 0.08 * lift) batch.push(track(userId, 'Signed Up', at + 1000, { plan: 'free' }));
    // People who ordered before the start order more (what CUPED's covariate can explain).
    if (random() < (p % 20 === 0 ? 0.15 : 0.05) * lift)
      batch.push(
        track(userId, 'Order Completed', at + 2000, {
          revenue: Math.round((30 + random() * 60) * lift * 100) / 100,
        }),
      );
    if (batch.length >= 10_000) await flush();
    if (i % 1_000_000 === 999_999)
      console.log(
        `   generated ${fmt(i + 1)} exposures (${fmt(written)} events) in ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
  }
  await flush();
  await log.close();
  return { events: written, seconds: (performance.now() - started) / 1000 };
}

async function benchResults() {
  const keep = process.env.BENCH_LOG_DIR;
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'tailor-bench-experiments-'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `log-${EXPOSURES}-${PEOPLE}.sqlite`);
  try {
    if (!existsSync(file)) {
      const g = await generateLog(file);
      console.log(
        `B. generated ${fmt(g.events)} events (${fmt(EXPOSURES)} exposures over ${fmt(PEOPLE)} people) in ${g.seconds.toFixed(0)} s; log ${mb(fileBytes(file))} MB`,
      );
    } else {
      console.log(`B. reusing ${file} (${mb(fileBytes(file))} MB)`);
    }
    // The computation runs in a child process: a fresh heap, and a peak RSS that is its own.
    const out = execFileSync(
      process.execPath,
      [fileURLToPath(import.meta.url), '--results', file],
      { encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    const r = JSON.parse(out.trim().split('\n').pop());
    console.log(
      `B. results over ${fmt(r.eventsRead)} events (${fmt(r.exposures)} exposures, ${fmt(r.users)} people assigned): ` +
        `**${(r.ms / 1000).toFixed(1)} s** (${fmt((r.eventsRead / r.ms) * 1000)} events/s), peak RSS ${mb(r.maxRssBytes)} MB ` +
        `(${mb(r.rssBeforeBytes)} MB before); reading and decoding the log alone: ${(r.readMs / 1000).toFixed(1)} s; SRM ok: ${r.srmOk}; ` +
        `signup uplift ${(r.signupUplift * 100).toFixed(2)}% (p ${r.signupP.toExponential(2)}), CUPED variance reduction on purchases ${r.purchaseVarianceReduction?.toFixed(4)}`,
    );
    return r;
  } finally {
    if (keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

async function childResults(file) {
  const log = new SqliteEventLog(file);
  const rssBeforeBytes = process.memoryUsage().rss;
  let t = performance.now();
  const r = await computeResults(log, EXPERIMENT, Date.UTC(2026, 10, 29));
  const ms = performance.now() - t;
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  // The floor: paging through the same log and decoding every event, doing nothing else.
  t = performance.now();
  let position = 0;
  for (;;) {
    const page = await log.read(position, 5000);
    if (page.length === 0) break;
    position = page[page.length - 1].position;
  }
  const readMs = performance.now() - t;
  await log.close();
  const treatment = r.variants[1];
  console.log(
    JSON.stringify({
      ms,
      readMs,
      eventsRead: r.eventsRead,
      exposures: r.exposures,
      users: r.variants.reduce((s, v) => s + v.users, 0),
      perVariant: r.variants.map((v) => v.users),
      srmOk: r.srm.ok,
      signupUplift: treatment.metrics.signup.uplift?.value,
      signupP: treatment.metrics.signup.pValue,
      purchaseVarianceReduction: treatment.metrics.purchase.cuped?.varianceReduction ?? null,
      maxRssBytes,
      rssBeforeBytes,
    }),
  );
}

if (process.argv[2] === '--results') {
  await childResults(process.argv[3]);
} else {
  const a = PARTS.includes('A') ? benchAssignment() : undefined;
  const b = PARTS.includes('B') ? await benchResults() : undefined;
  console.log(JSON.stringify({ assignment: a, results: b }));
}
