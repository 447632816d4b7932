// Factorial experiments benchmark (issue 26): a 3x2x2 experiment's results over a large log.
//   A log (SqliteEventLog in a temporary folder) of BENCH_EXPOSURES `Experiment Viewed` events of a
//   3x2x2 factorial experiment (headline x image x cta, cells assigned by core's `assignVariant`
//   with factors, as the server does) over BENCH_PEOPLE people, plus sign-ups, page reads and
//   orders with revenue after a share of them. Then, each in a child process that reports its own
//   peak RSS:
//   1. filling the reports projection (reports.duckdb) from the log, as a server does when it opens
//      one on an existing log (a running server is fed by its pipeline instead): timed apart, it is
//      not results;
//   2. results from the projection (what GET /v1/experiments/NAME/results reads under
//      `tailor serve`): the projection opened and caught up first, as in a running server, then
//      `experimentColumns` and the same analysis, timed;
//   3. `computeResults`, the pass over the whole log (what results read on several nodes), and, as
//      the reference in the same run, paging through the same log and decoding every event, doing
//      nothing else (once before, to warm the page cache, and once after, the figure compared).
//   The two answers are compared field for field (but source, eventsRead, computedAt).
//   Times are wall and CPU seconds (process.cpuUsage: every thread of the process, DuckDB's too).
// Env: BENCH_EXPOSURES (10000000), BENCH_PEOPLE (5000000), BENCH_LOG_DIR (keep or reuse the log and
// the filled projection), BENCH_LOG_PASS=0 (skip the pass over the log and its reference).
// Needs `npm run build` (it loads the built server).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeFactorial, assignVariant } from '@tailor/core';
import { SqliteEventLog } from '../../packages/server/dist/log/sqlite/sqlite-event-log.js';
import {
  computeResults,
  exposureQuery,
  resultsOf,
} from '../../packages/server/dist/experiments/compute-results.js';
import { experimentKeys } from '../../packages/server/dist/experiments/experiment-rows.js';
import { exposureEvent } from '../../packages/server/dist/experiments/exposure-event.js';
import { ReportProjection } from '../../packages/server/dist/reports/projection/report-projection.js';

const EXPOSURES = Number(process.env.BENCH_EXPOSURES ?? 10_000_000);
const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 5_000_000);
const LOG_PASS = process.env.BENCH_LOG_PASS !== '0';
const NOW = Date.UTC(2026, 11, 29);
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const cpuSeconds = (since) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};
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
    const child = (mode) => {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), mode, file], {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      });
      return JSON.parse(out.trim().split('\n').pop());
    };
    const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const loadBefore = load();
    const fill = child('--fill');
    console.log(
      `projection filled from the log: ${fill.filled ? `${fmt(fill.events)} events in ${fill.seconds.toFixed(1)} s (${fill.cpu.toFixed(1)} CPU s), peak RSS ${mb(fill.maxRssBytes)} MB; file ${mb(fill.fileBytes)} MB` : `reused (${fmt(fill.events)} events)`}`,
    );
    const p = child('--columns');
    console.log(
      `3x2x2 results from the projection (${fmt(p.exposures)} exposures, ${fmt(p.users)} people in ${p.cells} cells): ` +
        `**${p.seconds.toFixed(2)} s (${p.cpu.toFixed(2)} CPU s)**; opening and catching up before it ${p.openSeconds.toFixed(1)} s; RSS ${mb(p.rssOpen)} MB once open, ${mb(p.rssAfter)} MB after, peak ${mb(p.maxRssBytes)} MB; SRM ok: ${p.srmOk}`,
    );
    if (!LOG_PASS) {
      console.log(`load average ${loadBefore} before, ${load()} after`);
      return { fill, projection: { ...p, answer: undefined } };
    }
    const r = child('--results');
    const same = JSON.stringify(p.answer) === JSON.stringify(r.answer);
    console.log(
      `the pass over the log: ${(r.ms / 1000).toFixed(1)} s (${r.cpu.toFixed(1)} CPU s); results from the projection **${(r.cpu / p.cpu).toFixed(0)}x** less CPU, ${(r.ms / 1000 / p.seconds).toFixed(0)}x less wall; answers equal: **${same}**`,
    );
    console.log(`load average ${loadBefore} before, ${load()} after`);
    if (!same) process.exitCode = 1;
    console.log(
      `the pass over the log, in detail: ${fmt(r.eventsRead)} events (${fmt(r.exposures)} exposures, ${fmt(r.users)} people in ${r.cells} cells): ` +
        `**${(r.ms / 1000).toFixed(1)} s** (${fmt((r.eventsRead / r.ms) * 1000)} events/s), peak RSS ${mb(r.maxRssBytes)} MB; ` +
        `reading and decoding the log alone ${(r.readMs / 1000).toFixed(1)} s (${(r.firstReadMs / 1000).toFixed(1)} s on the first, cold read): **${(r.ms / r.readMs).toFixed(2)}x** the read; ` +
        `the factorial analysis alone ${r.factorialMs.toFixed(1)} ms; SRM ok: ${r.srmOk}; ` +
        `signup headline:image p ${r.interactionP.toExponential(2)}, headline p ${r.headlineP.toExponential(2)}`,
    );
    return {
      fill,
      projection: { ...p, answer: undefined },
      log: { ...r, answer: undefined },
      same,
    };
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
  const cpu = process.cpuUsage();
  const r = await computeResults(log, EXPERIMENT, NOW);
  const ms = performance.now() - t;
  const cpuUsed = cpuSeconds(cpu);
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
      cpu: cpuUsed,
      answer: comparable(r),
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

/** What both ways of reading must agree on: all but how and when it was read. */
function comparable(results) {
  const { source, eventsRead, computedAt, ...rest } = results;
  void [source, eventsRead, computedAt];
  return rest;
}

/** The projection beside the log, as a server keeps it (profiles: every person live, none refusing). */
function openProjection(file, log, lastPosition) {
  const profiles = {
    byId: async (id) => ({ id, consent: { current: {} } }),
    byIdentifier: async ({ value }) => ({ id: `p:${value}`, consent: { current: {} } }),
  };
  return ReportProjection.open(`${file}.reports.duckdb`, {
    log,
    profiles,
    folded: async () => lastPosition,
    experimentKey: experimentKeys((_type, value) => value),
  });
}

async function childFill(file) {
  const log = new SqliteEventLog(file);
  const { lastPosition } = await log.stats();
  const filled = !existsSync(`${file}.reports.duckdb`);
  const t = performance.now();
  const cpu = process.cpuUsage();
  const projection = await openProjection(file, log, lastPosition);
  const { events } = await projection.stats();
  const seconds = (performance.now() - t) / 1000;
  const cpuUsed = cpuSeconds(cpu);
  await projection.close();
  await log.close();
  console.log(
    JSON.stringify({
      filled,
      events,
      seconds,
      cpu: cpuUsed,
      fileBytes: fileBytes(`${file}.reports.duckdb`),
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    }),
  );
}

async function childColumns(file) {
  const log = new SqliteEventLog(file);
  const { lastPosition } = await log.stats();
  let t = performance.now();
  const projection = await openProjection(file, log, lastPosition);
  await projection.stats(); // opened and caught up, as in a running server
  const openSeconds = (performance.now() - t) / 1000;
  const rssOpen = process.memoryUsage().rss;
  t = performance.now();
  const cpu = process.cpuUsage();
  const exposures = await projection.experimentColumns(exposureQuery(EXPERIMENT));
  if (exposures === undefined) throw new Error('the projection is not ready');
  const r = resultsOf(EXPERIMENT, exposures, NOW, 'projection');
  const seconds = (performance.now() - t) / 1000;
  const cpuUsed = cpuSeconds(cpu);
  const rssAfter = process.memoryUsage().rss;
  await projection.close();
  await log.close();
  console.log(
    JSON.stringify({
      rssOpen,
      rssAfter,
      seconds,
      cpu: cpuUsed,
      openSeconds,
      exposures: r.exposures,
      cells: r.variants.length,
      users: r.variants.reduce((s, v) => s + v.users, 0),
      srmOk: r.srm.ok,
      answer: comparable(r),
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    }),
  );
}

if (process.argv[2] === '--results') await childResults(process.argv[3]);
else if (process.argv[2] === '--fill') await childFill(process.argv[3]);
else if (process.argv[2] === '--columns') await childColumns(process.argv[3]);
else console.log(JSON.stringify(await bench()));
