// Identity and profile pipeline benchmark.
//   A. Throughput: 1M events over 100k people folded into identities and profiles, beside the
//      rate of merely reading and decoding the same log (the floor of any consumer): a ratio.
//   B. Freshness: `tailor serve` under 5,000 events/s over HTTP; how long after its 200 an
//      identify shows in GET /v1/profiles (probe every 100 ms, after a warm-up under the same
//      load: the threads' first second, JIT and caches cold, is not steady state), and the lag
//      histogram in /metrics (the whole run).
//   C. Giant merge: two profiles with 10k anonymousIds each and 100k events between them merged
//      by one message: how long the merge takes (one synchronous transaction: ingestion on the
//      same event loop waits at most that long).
//   D. Size: 1M profiles (one identify each): bytes per profile on disk and the process's memory.
// Env: BENCH_EVENTS (1000000), BENCH_PEOPLE (100000), BENCH_PROFILES (1000000),
//      BENCH_RATE (5000 events/s), BENCH_SECONDS (15), BENCH_WARMUP_SECONDS (B: 3), BENCH_PARTS (ABCD).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_IDENTITY_RULES } from '@tailor/core';
import { ADMIN_KEY, serveTailor, WRITE_KEY } from '../support/serve-tailor.js';
import { SqliteEventLog } from '../../packages/server/dist/log/sqlite/sqlite-event-log.js';
import { ProfilePipeline } from '../../packages/server/dist/pipeline/profile-pipeline.js';
import { openSqliteProfileStore } from '../../packages/server/dist/store/sqlite/sqlite-profile-store.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 100_000);
const PROFILES = Number(process.env.BENCH_PROFILES ?? 1_000_000);
const RATE = Number(process.env.BENCH_RATE ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const PARTS = process.env.BENCH_PARTS ?? 'ABCD';

let seed = 7;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const int = (n) => Math.floor(random() * n);
let clock = Date.UTC(2026, 9, 1);
let ids = 0;

function message(fields) {
  clock += 10;
  const timestamp = new Date(clock).toISOString();
  return {
    messageId: `b-${++ids}`,
    userId: null,
    anonymousId: null,
    timestamp,
    receivedAt: timestamp,
    context: {},
    tailor: { source: 'key:bench' },
    ...fields,
  };
}

/** A person's next event: browsing on one of their devices, logging in now and then. */
function nextEvent(p) {
  const device = `dev-${p}-${int(1 + (p % 3))}`;
  const known = p % 10 < 7;
  const roll = random();
  if (known && roll < 0.08) {
    return message({
      type: 'identify',
      userId: `user-${p}`,
      anonymousId: device,
      traits: {
        email: `person${p}@example.com`,
        firstName: `Name${p}`,
        plan: pickPlan(),
        visits: int(100),
      },
    });
  }
  if (roll < 0.12)
    return message({ type: 'page', anonymousId: device, name: 'Home', properties: { path: '/' } });
  return message({
    type: 'track',
    anonymousId: device,
    ...(known && roll > 0.6 && { userId: `user-${p}` }),
    event: roll < 0.8 ? 'Product Viewed' : 'Product Added',
    properties: { product_id: `P-${int(500)}`, price: int(20000) / 100 },
  });
}
const pickPlan = () => ['free', 'pro', 'team'][int(3)];

function fileSize(file) {
  let total = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      total += statSync(f).size;
    } catch {
      /* absent */
    }
  }
  return total;
}
const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);
const fmt = (n) => Math.round(n).toLocaleString('en-US');

async function appendAll(log, count, make) {
  const chunk = 5000;
  for (let i = 0; i < count; i += chunk) {
    const batch = [];
    for (let k = i; k < Math.min(count, i + chunk); k++) batch.push(make(k));
    await log.append(batch);
  }
}

function open(dir, rules = DEFAULT_IDENTITY_RULES) {
  const log = new SqliteEventLog(join(dir, 'log.sqlite'));
  const store = openSqliteProfileStore(join(dir, 'state.sqlite'));
  const pipeline = new ProfilePipeline({
    log,
    store,
    rules,
    policy: { sourcePriority: [] },
    batchSize: 1000,
  });
  return { log, store, pipeline };
}

async function partA() {
  const dir = mkdtempSync(join(tmpdir(), 'tailor-bench-pipeline-'));
  const { log, store, pipeline } = open(dir);
  await appendAll(log, EVENTS, () => nextEvent(int(PEOPLE)));
  let t = performance.now();
  let read = 0;
  for (let position = 0; ;) {
    const page = await log.read(position, 1000);
    if (page.length === 0) break;
    read += page.length;
    position = page[page.length - 1].position;
  }
  const readSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  await pipeline.catchUp();
  const foldSeconds = (performance.now() - t) / 1000;
  const stats = await store.stats();
  const bytes = fileSize(join(dir, 'state.sqlite'));
  const result = {
    events: read,
    people: PEOPLE,
    readPerSecond: read / readSeconds,
    foldPerSecond: read / foldSeconds,
    ratio: readSeconds / foldSeconds,
    ...stats,
    stateBytesPerProfile: bytes / stats.profiles,
  };
  console.log(
    `A. ${fmt(read)} events over ${fmt(PEOPLE)} people: folded ${fmt(result.foldPerSecond)} events/s ` +
      `(read+decode alone ${fmt(result.readPerSecond)}/s; ratio ${result.ratio.toFixed(2)}); ` +
      `${fmt(stats.profiles)} profiles, ${fmt(stats.merged)} merged, ${fmt(stats.identifiers)} identifiers; ` +
      `state ${mb(bytes)} MB = ${fmt(result.stateBytesPerProfile)} bytes/profile (with events index)`,
  );
  await store.close();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

async function partB() {
  const server = await serveTailor('tailor-bench-fresh-');
  const { url } = server;
  const basic = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;
  const post = (batch) =>
    fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify({ batch }),
    });
  const perTick = RATE / 50; // a request every 20 ms
  const measureFrom = Date.now() + WARMUP_SECONDS * 1000;
  const end = measureFrom + SECONDS * 1000;
  let sent = 0;
  const load = (async () => {
    const inflight = new Set();
    for (let tick = Date.now(); Date.now() < end; tick += 20) {
      const batch = Array.from({ length: perTick }, () => {
        const e = nextEvent(int(PEOPLE));
        return {
          type: e.type,
          userId: e.userId,
          anonymousId: e.anonymousId,
          event: e.event,
          name: e.name,
          properties: e.properties,
          traits: e.traits,
        };
      });
      const p = post(batch).then((r) => r.arrayBuffer());
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      sent += perTick;
      await new Promise((r) => setTimeout(r, Math.max(0, tick + 20 - Date.now())));
    }
    await Promise.all(inflight);
  })();
  const latencies = [];
  await new Promise((r) => setTimeout(r, WARMUP_SECONDS * 1000));
  for (let n = 1; Date.now() < end - 500; n++) {
    const res = await post([{ type: 'identify', userId: 'probe', traits: { probe: n } }]);
    const acked = performance.now();
    if (res.status !== 200) throw new Error(`probe got ${res.status}`);
    for (;;) {
      const r = await fetch(`${url}/v1/profiles?identifier=userId:probe`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      if (r.status === 200 && (await r.json()).traits.probe === n) break;
      if (r.status !== 200) await r.arrayBuffer();
      await new Promise((r) => setTimeout(r, 2));
    }
    latencies.push(performance.now() - acked);
    await new Promise((r) => setTimeout(r, 100));
  }
  await load;
  const metrics = await (
    await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
  ).text();
  await server.stop();
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  const folded = Number(/^tailor_pipeline_events_total (\d+)/m.exec(metrics)?.[1] ?? 0);
  const under100 = Number(
    /^tailor_pipeline_lag_seconds_bucket\{le="0.1"\} (\d+)/m.exec(metrics)?.[1] ?? 0,
  );
  const batches = Number(/^tailor_pipeline_lag_seconds_count (\d+)/m.exec(metrics)?.[1] ?? 0);
  const result = {
    rate: sent / (WARMUP_SECONDS + SECONDS),
    probes: latencies.length,
    p50: q(0.5),
    p95: q(0.95),
    p99: q(0.99),
    max: latencies[latencies.length - 1],
    folded,
    batchesUnder100ms: under100 / batches,
  };
  console.log(
    `B. ${fmt(result.rate)} events/s offered: ack -> visible in GET /v1/profiles p50 ${result.p50.toFixed(1)} ms, ` +
      `p95 ${result.p95.toFixed(1)}, p99 ${result.p99.toFixed(1)}, max ${result.max.toFixed(1)} (${latencies.length} probes); ` +
      `${(result.batchesUnder100ms * 100).toFixed(1)} % of ${batches} folded batches within 100 ms of receipt`,
  );
  return result;
}

async function partC() {
  const dir = mkdtempSync(join(tmpdir(), 'tailor-bench-giant-'));
  const rules = [
    { type: 'userId', limit: 1 },
    { type: 'email', limit: 5 },
    { type: 'anonymousId', limit: 100_000 },
  ];
  const { log, store, pipeline } = open(dir, rules);
  for (const side of ['a', 'b']) {
    await appendAll(log, 50_000, (k) => {
      const anonymousId = `${side}-anon-${Math.floor(k / 5)}`;
      return k % 5 === 0
        ? message({ type: 'identify', anonymousId, traits: { email: `${side}@giant.io` } })
        : message({ type: 'track', anonymousId, event: 'Viewed' });
    });
  }
  await log.append([
    message({ type: 'identify', userId: 'giant', traits: { email: 'a@giant.io' } }),
  ]);
  await pipeline.catchUp();
  await log.append([message({ type: 'identify', userId: 'giant', anonymousId: 'b-anon-0' })]);
  const t = performance.now();
  await pipeline.catchUp();
  const mergeMs = performance.now() - t;
  const events = (
    await store.eventPositions(
      (await store.byIdentifier({ type: 'userId', value: 'giant' })).id,
      0,
      1e6,
    )
  ).positions.length;
  console.log(
    `C. giant merge (2 x 10k anonymousIds, ${fmt(events)} events): ${mergeMs.toFixed(1)} ms`,
  );
  await store.close();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return { mergeMs, events };
}

async function partD() {
  const dir = mkdtempSync(join(tmpdir(), 'tailor-bench-million-'));
  const { log, store, pipeline } = open(dir);
  const rssBefore = process.memoryUsage().rss;
  await appendAll(log, PROFILES, (k) =>
    message({
      type: 'identify',
      userId: `member-${k}`,
      anonymousId: `device-${k}`,
      traits: {
        email: `member${k}@example.com`,
        firstName: `First${k}`,
        lastName: `Last${k}`,
        plan: pickPlan(),
        city: 'Lyon',
      },
    }),
  );
  const t = performance.now();
  await pipeline.catchUp();
  const seconds = (performance.now() - t) / 1000;
  const stats = await store.stats();
  const bytes = fileSize(join(dir, 'state.sqlite'));
  const rss = process.memoryUsage().rss;
  const result = {
    profiles: stats.profiles,
    bytesPerProfile: bytes / stats.profiles,
    foldSeconds: seconds,
    rssMb: rss / 2 ** 20,
    rssGrowthMb: (rss - rssBefore) / 2 ** 20,
  };
  console.log(
    `D. ${fmt(stats.profiles)} profiles (userId, anonymousId, email, 5 traits each) folded in ${seconds.toFixed(1)} s: ` +
      `${fmt(result.bytesPerProfile)} bytes/profile on disk (state.sqlite ${mb(bytes)} MB); process RSS ${mb(rss)} MB`,
  );
  await store.close();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

const results = {};
if (PARTS.includes('A')) results.A = await partA();
if (PARTS.includes('B')) results.B = await partB();
if (PARTS.includes('C')) results.C = await partC();
if (PARTS.includes('D')) results.D = await partD();
console.log(JSON.stringify(results));
