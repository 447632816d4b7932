// Event-to-webhook latency of a segment entry, under load: `tailor serve` takes 5,000 events/s
// (a 100-message batch every 20 ms) while probes send one "Trigger" event for a new person every
// 50 ms; each makes that person enter a segment, and a webhook destination receives the
// `Segment Entered` event. Latency: from the probe's 200 to the webhook's arrival.
// Probes are counted after a warm-up under the same load (the first second after start-up includes
// compiling the new definitions and the first folds: "sustained" is measured after it); probes
// run during the warm-up too, uncounted, so the path they measure (segment entry, delivery, the
// connection to the receiver) is warm as well, not only the load's.
// Env: BENCH_RATE (5000), BENCH_SECONDS (15), BENCH_WARMUP (3). Target: p99 < 50 ms.
import { createServer } from 'node:http';
import { ADMIN_KEY, serveTailor, WRITE_KEY } from '../support/serve-tailor.js';

const RATE = Number(process.env.BENCH_RATE ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);

const arrivals = new Map();
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const message = JSON.parse(body);
    if (message.event === 'Segment Entered') arrivals.set(message.userId, performance.now());
    res.writeHead(204).end();
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const hook = `http://127.0.0.1:${receiver.address().port}/hook`;

// The receiver is on loopback: destinations reach it only when the operator allows it.
const server = await serveTailor('tailor-bench-webhook-', {
  destinations: { allowInternal: ['127.0.0.1/32'] },
});
const { url } = server;
const admin = (method, path, body) =>
  fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
await admin('PUT', '/v1/segments/triggered', { definition: 'count("Trigger", 1h) >= 1' });
await admin('PUT', '/v1/destinations/hook', {
  type: 'webhook',
  url: hook,
  events: ['Segment Entered'],
  secret: 'bench-secret-123',
});
const basic = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;
const post = (batch) =>
  fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: JSON.stringify({ batch }),
  });

const perTick = RATE / 50;
const probesFrom = Date.now() + WARMUP * 1000;
const end = probesFrom + SECONDS * 1000;
let n = 0;
const load = (async () => {
  const inflight = new Set();
  for (let tick = Date.now(); Date.now() < end; tick += 20) {
    const batch = Array.from({ length: perTick }, () => ({
      type: 'track',
      anonymousId: `load-${n++ % 50000}`,
      event: 'Page Viewed',
      properties: { path: '/p' },
    }));
    const p = post(batch).then((r) => r.arrayBuffer());
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    await new Promise((r) => setTimeout(r, Math.max(0, tick + 20 - Date.now())));
  }
  await Promise.all(inflight);
})();
const acked = new Map();
const probes = (async () => {
  for (let i = 0; Date.now() < end - 1000; i++) {
    const warmingUp = Date.now() < probesFrom;
    const userId = `${warmingUp ? 'warm-up' : 'probe'}-${i}`;
    const res = await post([{ type: 'track', userId, event: 'Trigger' }]);
    await res.arrayBuffer();
    if (!warmingUp) acked.set(userId, performance.now());
    await new Promise((r) => setTimeout(r, 50));
  }
})();
await Promise.all([load, probes]);
await new Promise((r) => setTimeout(r, 2000)); // the last webhooks
await server.stop();
receiver.close();

const started = Math.min(...acked.values());
const slowest = [...acked]
  .map(([u, t]) => [((t - started) / 1000).toFixed(1), (arrivals.get(u) ?? Infinity) - t])
  .sort((a, b) => b[1] - a[1])
  .slice(0, 5);
console.log(
  `slowest probes (seconds into the run, ms): ${slowest.map(([at, ms]) => `${at}s ${ms.toFixed(0)}`).join(', ')}`,
);
const latencies = [...acked]
  .map(([u, t]) => (arrivals.has(u) ? arrivals.get(u) - t : Infinity))
  .sort((a, b) => a - b);
const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
const missing = latencies.filter((l) => l === Infinity).length;
console.log(
  `${RATE} events/s offered: segment entry -> webhook p50 ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, ` +
    `p99 ${q(0.99).toFixed(1)} ms, max ${latencies[latencies.length - 1 - missing]?.toFixed(1)} ms over ${latencies.length} probes` +
    (missing > 0 ? `; ${missing} never arrived` : ''),
);
console.log(
  JSON.stringify({
    rate: RATE,
    warmupSeconds: WARMUP,
    probes: latencies.length,
    p50: q(0.5),
    p95: q(0.95),
    p99: q(0.99),
    missing,
  }),
);
