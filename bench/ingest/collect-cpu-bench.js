// CPU per event of the collection path on the request thread, without HTTP: the collector admits
// batches of the ingest bench's track messages (validation, normalization, size checks) and the
// embedded log seals, blinds and commits them (group commit, fsync), as `tailor serve` does with
// encryption on. Measured as CPU time of this thread (process.cpuUsage, which a loaded machine
// disturbs far less than throughput), builds alternated in one run: this checkout's and, with
// BENCH_COMPARE=DIR, another built checkout's.
//
//   node bench/ingest/collect-cpu-bench.js
// Env: BENCH_EVENTS (200000 per run), BENCH_ROUNDS (3), BENCH_COMPARE (a built checkout's root),
//      BENCH_PLAIN=1 (encryption off).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH = 100;
const PLAIN = process.env.BENCH_PLAIN === '1';
const builds = [
  ['this', root],
  ...(process.env.BENCH_COMPARE ? [['compared', process.env.BENCH_COMPARE]] : []),
];

const PEOPLE = 100_000;
const anonymousIds = Array.from({ length: PEOPLE }, () => randomUUID());
let seed = 7;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const EVENT_NAMES = ['Product Viewed', 'Product Added', 'Order Completed', 'Products Searched'];

/** A request body as the ingest bench sends it (about 90 KB for 100 messages). */
function batchBody() {
  const now = Date.now();
  const sentAt = new Date(now).toISOString();
  const batch = [];
  for (let i = 0; i < BATCH; i++) {
    const person = Math.floor(random() * PEOPLE);
    batch.push({
      messageId: randomUUID(),
      ...(person % 3 !== 0 && { userId: `user-${person}` }),
      anonymousId: anonymousIds[person],
      timestamp: new Date(now - Math.floor(random() * 5000)).toISOString(),
      sentAt,
      type: 'track',
      event: EVENT_NAMES[i % EVENT_NAMES.length],
      properties: {
        product_id: `P-${10000 + (i % 500)}`,
        sku: `SKU-${i}`,
        name: 'Trail Runner 12',
        category: 'Shoes',
        brand: 'Northwind',
        price: 129.99,
        currency: 'USD',
        url: `https://shop.example.com/p/P-${10000 + (i % 500)}`,
        cart_id: randomUUID(),
      },
      context: {
        ip: `10.${i}.${person % 256}.1`,
        userAgent:
          'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
        locale: 'en-US',
        library: { name: 'analytics.js', version: '5.2.0' },
        page: {
          path: '/cart',
          referrer: '',
          search: '',
          title: 'Example Shop',
          url: 'https://shop.example.com/cart',
        },
      },
      integrations: {},
    });
  }
  return JSON.stringify({ batch });
}

async function openBuild(dir) {
  const dist = (path) => pathToFileURL(join(dir, 'packages/server/dist', path)).href;
  const { Collector } = await import(dist('collect/collector.js'));
  const { SqliteEventLog } = await import(dist('log/sqlite/sqlite-event-log.js'));
  const { createAesSealer, plainSealer } = await import(dist('privacy/sealer.js'));
  const { newKeyring } = await import(dist('privacy/keyring.js'));
  const { createMetrics } = await import(dist('metrics/metrics.js'));
  // What the batch route reads of the body's text (builds from before it measured each message serialized).
  const { batchMessageBytes } = await import(dist('collect/batch-message-bytes.js')).catch(() => ({
    batchMessageBytes: () => undefined,
  }));
  return {
    Collector,
    SqliteEventLog,
    createAesSealer,
    plainSealer,
    newKeyring,
    createMetrics,
    batchMessageBytes,
  };
}

async function run(build, bodies) {
  const folder = mkdtempSync(join(tmpdir(), 'collect-cpu-'));
  const sealer = PLAIN ? build.plainSealer : build.createAesSealer(build.newKeyring());
  const log = new build.SqliteEventLog(join(folder, 'log.sqlite'), sealer);
  const collector = new build.Collector({
    log,
    violations: { record: () => Promise.resolve() },
    plans: { current: new Map() },
    metrics: build.createMetrics(log),
    defaultRegion: 'US',
    messageBytes: 32 * 1024,
    withoutAnalytics: 'drop',
    now: Date.now,
  });
  const start = process.cpuUsage();
  const wall = process.hrtime.bigint();
  let stored = 0;
  // 16 requests in flight, as the ingest bench's 16 connections: they share commits.
  for (let i = 0; i < bodies.length; i += 16) {
    const outcomes = await Promise.all(
      bodies.slice(i, i + 16).map((text) => {
        const body = JSON.parse(text);
        return collector.collect({
          messages: body.batch,
          source: 'key:bench',
          checkNumbers: false,
          bodyBytes: Buffer.byteLength(text),
          sentBytes: build.batchMessageBytes(text, body.batch.length),
        });
      }),
    );
    for (const o of outcomes) stored += o.stored;
  }
  const cpu = process.cpuUsage(start);
  const seconds = Number(process.hrtime.bigint() - wall) / 1e9;
  await log.close();
  rmSync(folder, { recursive: true, force: true });
  if (stored !== bodies.length * BATCH)
    throw new Error(`stored ${stored} of ${bodies.length * BATCH}`);
  return { micros: (cpu.user + cpu.system) / stored, userMicros: cpu.user / stored, seconds };
}

const loaded = await Promise.all(builds.map(async ([name, dir]) => [name, await openBuild(dir)]));
const results = Object.fromEntries(builds.map(([name]) => [name, []]));
console.log(
  `collect CPU bench: ${EVENTS} events per run in batches of ${BATCH}, encryption ${PLAIN ? 'off' : 'on'}, ${ROUNDS} rounds, load ${loadavg()[0].toFixed(1)}`,
);
for (let round = 0; round < ROUNDS; round++) {
  const bodies = Array.from({ length: EVENTS / BATCH }, batchBody);
  const order = round % 2 === 0 ? loaded : [...loaded].reverse();
  for (const [name, build] of order) {
    const r = await run(build, bodies);
    results[name].push(r);
    console.log(
      `  round ${round + 1} ${name}: ${r.micros.toFixed(1)} us CPU per event (user ${r.userMicros.toFixed(1)}), ${r.seconds.toFixed(1)} s, load ${loadavg()[0].toFixed(1)}`,
    );
  }
}
for (const [name] of builds) {
  const list = results[name].map((r) => r.micros).sort((a, b) => a - b);
  console.log(`${name}: median ${list[Math.floor(list.length / 2)].toFixed(1)} us CPU per event`);
}
