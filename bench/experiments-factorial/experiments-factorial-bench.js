// Factorial experiments benchmark (issue 26): a 3x2x2 experiment's results over a large log.
//   A log (SqliteEventLog in a temporary folder) of BENCH_EXPOSURES `Experiment Viewed` events of a
//   3x2x2 factorial experiment (headline x image x cta, cells assigned by core's `assignVariant`
//   with factors, as the server does) over BENCH_PEOPLE people, plus sign-ups, page reads and
//   orders with revenue after a share of them. Then, in a child process that reports its own peak
//   RSS: `computeResults` (the code behind GET /v1/experiments/NAME/results: one pass over the log,
//   the per-cell analysis, the omnibus tests and the factorial analysis), and, as the reference in
//   the same run, paging through the same log and decoding every event, doing nothing else (once
//   before the results, to warm the page cache, and once after, the figure compared).
// Env: BENCH_EXPOSURES (10000000), BENCH_PEOPLE (5000000), BENCH_LOG_DIR (keep or reuse the log).
// Needs `npm run build` (it loads the built server).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeFactorial, assignVariant } from '@tailor/core';
import { SqliteEventLog } from '../../packages/server/dist/log/sqlite/sqlite-event-log.js';
import { computeResults } from '../../packages/server/dist/experiments/compute-results.js';
import { exposureEvent } from '../../packages/server/dist/experiments/exposure-event.js';

const EXPOSURES = Number(process.env.BENCH_EXPOSURES ?? 10_000_000);
const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 5_000_000);
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const mb = (bytes) => (bytes / 2 ** 20).toFixed(0);

const EXPERIMENT = {
  name: 'bench-landing',
  version: 1,
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
  factors: [
    { name: 'headline', levels: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] },
    { name: 'image', levels: [{ id: 'a' }, { id: 'b' }] },
    {
      name: 'cta',
      levels: [
        { id: 'buy', weight: 3 },
        { id: 'try', weight: 1 },
      ],
    },
  ],
  metrics: [
    { name: 'signup', type: 'conversion', event: 'Signed Up' },
    { name: 'pages', type: 'count', event: 'Page Read' },
    { name: 'aov', type: 'mean', event: 'Order Completed', property: 'revenue' },
  ],
  cupedDays: 0,
};
const T0 = Date.UTC(2026, 10, 1);

function fileBytes(file) {
  let total = 0;
  for (const f of [file, `${file}-wal`]) if (existsSync(f)) total += statSync(f).size;
  return total;
}

async function generateLog(file) {
  let seed = 26;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const log = new SqliteEventLog(file, undefined, { synchronous: 'NORMAL' });
  const ours = {
    seed: EXPERIMENT.name,
    variants: [],
    factors: EXPERIMENT.factors.map((f) => ({
      name: f.name,
      levels: f.levels.map((l) => ({ id: l.id, weight: l.weight ?? 1 })),
    })),
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
  for (let i = 0; i < EXPOSURES; i++) {
    const userId = `person-${Math.floor(random() * PEOPLE)}`;
    const at = T0 + i * 50;
    const assigned = assignVariant(ours, userId);
    batch.push({ ...exposureEvent(EXPERIMENT, assigned, { userId }, at), messageId: `m${++ids}` });
    const { headline, image, cta } = assigned.factors;
    // Headline b helps, with image a only (an interaction); "try" helps a little.
    const lift =
      (headline === 'b' && image === 'a' ? 1.08 : 1) *
      (headline === 'c' ? 1.03 : 1) *
      (cta === 'try' ? 1.02 : 1);
    if (random() < 0.08 * lift) batch.push(track(userId, 'Signed Up', at + 1000, { plan: 'free' }));
    if (random() < 0.1) batch.push(track(userId, 'Page Read', at + 1500, { path: '/pricing' }));
    if (random() < 0.05 * lift)
      batch.push(
        track(userId, 'Order Completed', at + 2000, {
          revenue: Math.round((30 + random() * 60) * 100) / 100,
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

async function bench() {
  const keep = process.env.BENCH_LOG_DIR;
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'tailor-bench-factorial-'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `factorial-${EXPOSURES}-${PEOPLE}.sqlite`);
  try {
    if (!existsSync(file)) {
      const g = await generateLog(file);
      console.log(
        `generated ${fmt(g.events)} events (${fmt(EXPOSURES)} exposures over ${fmt(PEOPLE)} people) in ${g.seconds.toFixed(0)} s; log ${mb(fileBytes(file))} MB`,
      );
    } else {
      console.log(`reusing ${file} (${mb(fileBytes(file))} MB)`);
    }
    const out = execFileSync(
      process.execPath,
      [fileURLToPath(import.meta.url), '--results', file],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      },
    );
    const r = JSON.parse(out.trim().split('\n').pop());
    console.log(
      `3x2x2 results over ${fmt(r.eventsRead)} events (${fmt(r.exposures)} exposures, ${fmt(r.users)} people in ${r.cells} cells): ` +
        `**${(r.ms / 1000).toFixed(1)} s** (${fmt((r.eventsRead / r.ms) * 1000)} events/s), peak RSS ${mb(r.maxRssBytes)} MB; ` +
        `reading and decoding the log alone ${(r.readMs / 1000).toFixed(1)} s (${(r.firstReadMs / 1000).toFixed(1)} s on the first, cold read): **${(r.ms / r.readMs).toFixed(2)}x** the read; ` +
        `the factorial analysis alone ${r.factorialMs.toFixed(1)} ms; SRM ok: ${r.srmOk}; ` +
        `signup headline:image p ${r.interactionP.toExponential(2)}, headline p ${r.headlineP.toExponential(2)}`,
    );
    return r;
  } finally {
    if (keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** The reference: paging through the log and decoding every event, doing nothing else. */
async function readAll(log) {
  const t = performance.now();
  let position = 0;
  for (;;) {
    const page = await log.read(position, 5000);
    if (page.length === 0) break;
    position = page[page.length - 1].position;
  }
  return performance.now() - t;
}

async function childResults(file) {
  const log = new SqliteEventLog(file);
  // Read once first, so that the results and the reference both find the file in the page cache.
  const firstReadMs = await readAll(log);
  let t = performance.now();
  const r = await computeResults(log, EXPERIMENT, Date.UTC(2026, 11, 29));
  const ms = performance.now() - t;
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  // The factorial analysis alone, on the cells' sums computeResults gathered.
  const cells = r.variants.map((v) => ({
    id: v.id,
    users: v.users,
    metrics: {
      signup: { users: v.metrics.signup.users, conversions: v.metrics.signup.conversions },
    },
  }));
  const factors = EXPERIMENT.factors.map((f) => ({
    name: f.name,
    levels: f.levels.map((l) => ({ id: l.id, weight: l.weight ?? 1 })),
  }));
  t = performance.now();
  for (let i = 0; i < 10; i++)
    analyzeFactorial(factors, cells, [{ name: 'signup', type: 'conversion' }]);
  const factorialMs = (performance.now() - t) / 10;
  const readMs = await readAll(log);
  await log.close();
  const terms = r.factorial.metrics.signup.terms;
  console.log(
    JSON.stringify({
      ms,
      readMs,
      firstReadMs,
      factorialMs,
      eventsRead: r.eventsRead,
      exposures: r.exposures,
      cells: r.variants.length,
      users: r.variants.reduce((s, v) => s + v.users, 0),
      srmOk: r.srm.ok,
      headlineP: terms.find((x) => x.term === 'headline').pValue,
      interactionP: terms.find((x) => x.term === 'headline:image').pValue,
      maxRssBytes,
    }),
  );
}

if (process.argv[2] === '--results') await childResults(process.argv[3]);
else console.log(JSON.stringify(await bench()));
