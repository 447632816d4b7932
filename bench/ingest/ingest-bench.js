// Ingestion benchmark: Tailor's POST /v1/batch against a minimal durable reference endpoint
// (reference-server.js), same load, same machine, both committing to SQLite with fsync before
// answering. Tailor runs twice: as configured by default (personal data encrypted at rest) and
// with encryption off (`tailor-plain`), to measure what encryption costs. Durable throughput is the count of rows in the log file after the server stopped.
// Exits nonzero when a run is invalid (a server failed, messages were rejected, an acknowledged
// event is missing from disk), not when Tailor misses the target ratio.
//
// Env: BENCH_SECONDS (15), BENCH_WARMUP_SECONDS (2), BENCH_CONNECTIONS (16; a list: 16,64),
//      BENCH_ROUNDS (1; rounds rotate the order; use 3 or 6), BENCH_BATCH (100 messages per request),
//      BENCH_NODE_ARGS (extra node flags for the servers, e.g. "--cpu-prof --cpu-prof-dir=bench/.work/prof"),
//      BENCH_COMPARE (another checkout's root, built: its Tailor runs as `tailor-compared`, encryption
//      on, in every round beside this one's, so two builds are compared under the same load),
//      BENCH_SERVERS (which to run, default reference,tailor,tailor-plain[,tailor-compared]),
//      BENCH_RATE (events/s offered instead of as many as the servers take: each Tailor is then
//      given time to fold what it took, and the run reports the CPU microseconds per event of the
//      request thread and of the process's other threads, the pipeline's among them; CPU time is
//      what a loaded machine disturbs least).
// Besides events/s it reports events per CPU second of the server and the CPU of its busiest threads
// (the request thread, the pipeline worker, ...; from /proc/PID/task, Linux only).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '16').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** Issue 21: durable ingestion with encryption on at 0.8 of the reference (0.5 before). */
const TARGET = 0.8;
/** Encryption on must keep at least this share of the throughput with it off. */
const ENCRYPTION_TARGET = 0.85;
const WRITE_KEY = 'bench-write-key-0001';
const ADMIN_KEY = 'bench-admin-key-0001';
const RATE = Number(process.env.BENCH_RATE ?? 0);

const TAILOR_BIN = join(root, 'packages/server/bin/tailor.js');
// Everything comes from one address: the write key's per-address limit is off in both.
const configDir = mkdtempSync(join(tmpdir(), 'tailor-bench-config-'));
const defaultConfig = join(configDir, 'default.json');
writeFileSync(defaultConfig, JSON.stringify({ keys: { writeRateLimitPerIp: null } }));
const plainConfig = join(configDir, 'plain.json');
writeFileSync(
  plainConfig,
  JSON.stringify({
    keys: { writeRateLimitPerIp: null },
    privacy: { encryption: { enabled: false } },
  }),
);
const COMPARE = process.env.BENCH_COMPARE;
const SERVERS = {
  reference: { args: (dir) => [join(here, 'reference-server.js'), '0', dir], env: {} },
  tailor: {
    args: (dir) => [TAILOR_BIN, 'serve', '--port', '0', '--data', dir, '--log-level', 'warn'],
    env: { TAILOR_WRITE_KEY: WRITE_KEY, TAILOR_ADMIN_KEY: ADMIN_KEY, TAILOR_CONFIG: defaultConfig },
  },
  'tailor-plain': {
    args: (dir) => [TAILOR_BIN, 'serve', '--port', '0', '--data', dir, '--log-level', 'warn'],
    env: { TAILOR_WRITE_KEY: WRITE_KEY, TAILOR_ADMIN_KEY: ADMIN_KEY, TAILOR_CONFIG: plainConfig },
  },
  ...(COMPARE !== undefined && {
    'tailor-compared': {
      args: (dir) => [
        join(COMPARE, 'packages/server/bin/tailor.js'),
        'serve',
        '--port',
        '0',
        '--data',
        dir,
        '--log-level',
        'warn',
      ],
      env: {
        TAILOR_WRITE_KEY: WRITE_KEY,
        TAILOR_ADMIN_KEY: ADMIN_KEY,
        TAILOR_CONFIG: defaultConfig,
      },
      cwd: COMPARE,
    },
  }),
};
const NAMES = (process.env.BENCH_SERVERS ?? Object.keys(SERVERS).join(','))
  .split(',')
  .filter((name) => {
    if (SERVERS[name] === undefined) throw new Error(`unknown server ${name} in BENCH_SERVERS`);
    return true;
  });

// --- Realistic Segment track messages -------------------------------------------------------

let seed = 42;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const pick = (list) => list[Math.floor(random() * list.length)];

const PEOPLE = 100_000;
const anonymousIds = Array.from({ length: PEOPLE }, () => randomUUID());
const PRODUCTS = Array.from({ length: 500 }, (_, i) => ({
  product_id: `P-${10000 + i}`,
  sku: `SKU-${(i * 7919).toString(36).toUpperCase()}`,
  name: `${pick(['Trail', 'Road', 'Studio', 'Classic', 'Urban'])} ${pick(['Runner', 'Jacket', 'Backpack', 'Tee', 'Bottle'])} ${i}`,
  category: pick(['Shoes', 'Apparel', 'Bags', 'Accessories']),
  brand: pick(['Northwind', 'Contoso', 'Fabrikam']),
  price: Math.round(random() * 20000) / 100,
}));
const AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
];

function trackBody() {
  const p = pick(PRODUCTS);
  const quantity = 1 + Math.floor(random() * 3);
  const product = {
    product_id: p.product_id,
    sku: p.sku,
    name: p.name,
    category: p.category,
    brand: p.brand,
    price: p.price,
    currency: 'USD',
  };
  const events = [
    ['Product Viewed', { ...product, url: `https://shop.example.com/p/${p.product_id}` }],
    ['Product Added', { ...product, quantity, cart_id: randomUUID() }],
    [
      'Products Searched',
      { query: pick(['running shoes', 'rain jacket', 'water bottle', 'gift']) },
    ],
    [
      'Checkout Started',
      {
        order_id: `O-${Math.floor(random() * 1e7)}`,
        value: p.price * quantity,
        revenue: p.price * quantity,
        currency: pick(['USD', 'EUR', 'GBP']),
        products: [{ ...product, quantity }],
      },
    ],
    [
      'Order Completed',
      {
        order_id: `O-${Math.floor(random() * 1e7)}`,
        total: p.price * quantity + 4.99,
        shipping: 4.99,
        tax: 0,
        currency: 'USD',
        products: [{ ...product, quantity }],
      },
    ],
    ['Coupon Applied', { coupon_id: pick(['WELCOME10', 'SPRING', 'FREESHIP']), discount: 10 }],
    [
      'Signed Up',
      {
        method: pick(['email', 'google']),
        email: `Someone.${Math.floor(random() * 1e6)}@Example.com`,
      },
    ],
  ];
  const [event, properties] = pick(events);
  const path = pick(['/', '/search', `/p/${p.product_id}`, '/cart', '/checkout']);
  const context = {
    ip: `${Math.floor(random() * 223) + 1}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`,
    userAgent: pick(AGENTS),
    locale: pick(['en-US', 'en-GB', 'de-DE', 'fr-FR']),
    library: { name: 'analytics.js', version: '5.2.0' },
    page: {
      path,
      referrer: pick(['', 'https://www.google.com/', 'https://news.example.org/']),
      search: '',
      title: 'Example Shop',
      url: `https://shop.example.com${path}`,
    },
    ...(random() < 0.2 && {
      campaign: { name: 'autumn_sale', source: 'newsletter', medium: 'email' },
    }),
  };
  return JSON.stringify({ type: 'track', event, properties, context, integrations: {} });
}

// Bodies are stitched from a pool of pre-serialized messages; identity, ids and times are fresh per request.
const POOL = Array.from({ length: 2000 }, () => trackBody().slice(1));

function batchBody(phase) {
  const now = Date.now();
  const sentAt = new Date(now).toISOString();
  const parts = new Array(BATCH);
  for (let i = 0; i < BATCH; i++) {
    const person = Math.floor(Math.random() * PEOPLE);
    const user = person % 3 === 0 ? '' : `"userId":"user-${person}",`;
    const timestamp = new Date(now - Math.floor(Math.random() * 5000)).toISOString();
    parts[i] =
      `{"messageId":"bench-${phase}-${randomUUID()}",${user}"anonymousId":"${anonymousIds[person]}","timestamp":"${timestamp}","sentAt":"${sentAt}",${POOL[Math.floor(Math.random() * POOL.length)]}`;
  }
  return `{"batch":[${parts.join(',')}]}`;
}

// --- Servers -------------------------------------------------------------------------------

function start(name, dataDir) {
  const server = SERVERS[name];
  const child = spawn(process.execPath, [...NODE_ARGS, ...server.args(dataDir)], {
    cwd: server.cwd ?? root,
    env: { ...process.env, ...server.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start in 90 s:\n${output}`)),
      90_000,
    );
    const onData = (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  const stop = async () => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const { code, signal } = await exited;
    clearTimeout(timer);
    if (code !== 0)
      throw new Error(`${name} did not exit cleanly (${code ?? signal}):\n${output.slice(-2000)}`);
  };
  return { child, ready, stop };
}

function fileBytes(file) {
  return existsSync(file) ? statSync(file).size : 0;
}

/** CPU seconds a process has used so far (Linux), or undefined elsewhere. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds of each thread of a process so far, by thread id (Linux), or undefined elsewhere. */
function threadCpuSeconds(pid) {
  try {
    const threads = new Map();
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
        .split(') ')[1]
        .split(' ');
      threads.set(tid, (Number(fields[11]) + Number(fields[12])) / 100);
    }
    return threads;
  } catch {
    return undefined;
  }
}

/** The CPU share of the busiest threads between two readings, highest first (100 % = one core). */
function busiestThreads(before, after, seconds) {
  if (before === undefined || after === undefined) return undefined;
  return [...after]
    .map(([tid, cpu]) => (cpu - (before.get(tid) ?? 0)) / seconds)
    .sort((a, b) => b - a)
    .slice(0, 3);
}

/** Waits until the server's pipeline has folded everything (up to 120 s); the seconds waited. */
async function folded(url) {
  const started = Date.now();
  while (Date.now() - started < 120_000) {
    const text = await (
      await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
    ).text();
    const behind = /^tailor_pipeline_behind_events (\d+)/m.exec(text);
    if (behind === null)
      throw new Error(`no tailor_pipeline_behind_events in /metrics:\n${text.slice(0, 500)}`);
    if (behind[1] === '0') return (Date.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the pipeline did not catch up within 120 s');
}

function load(url, connections, seconds, phase) {
  const acked = { stored: 0, duplicates: 0, rejected: 0 };
  const options = {
    url,
    connections,
    duration: seconds,
    ...(RATE > 0 && { overallRate: RATE / BATCH }),
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
    },
    requests: [
      {
        method: 'POST',
        path: '/v1/batch',
        setupRequest: (request) => ({ ...request, body: batchBody(phase) }),
        onResponse: (status, body) => {
          if (status !== 200) return;
          const answer = JSON.parse(body);
          acked.stored += answer.stored;
          acked.duplicates += answer.duplicates;
          acked.rejected += answer.rejected.length;
        },
      },
    ],
  };
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve({ result, acked })));
  });
}

async function run(name, connections) {
  const dataDir = mkdtempSync(join(tmpdir(), `tailor-bench-${name}-`));
  const server = start(name, dataDir);
  try {
    const url = await server.ready;
    await load(url, connections, WARMUP, 'w');
    const cpuBefore = cpuSeconds(server.child.pid);
    const threadsBefore = threadCpuSeconds(server.child.pid);
    const clientBefore = process.cpuUsage();
    const { result, acked } = await load(url, connections, SECONDS, 'm');
    const client = process.cpuUsage(clientBefore);
    const drained = RATE > 0 && name !== 'reference' ? await folded(url) : undefined;
    const cpuAfter = cpuSeconds(server.child.pid);
    const threadsAfter = threadCpuSeconds(server.child.pid);
    const threads = busiestThreads(threadsBefore, threadsAfter, SECONDS);
    const requestThread =
      threadsBefore && threadsAfter
        ? threadsAfter.get(String(server.child.pid)) - threadsBefore.get(String(server.child.pid))
        : undefined;
    await server.stop();
    const db = new Database(join(dataDir, 'log.sqlite'), { readonly: true });
    const rows = db
      .prepare("SELECT count(*) AS n FROM events WHERE substr(message_id, 1, 8) = 'bench-m-'")
      .get().n;
    const allRows = db.prepare('SELECT count(*) AS n FROM events').get().n;
    db.close();
    const diskBytes =
      fileBytes(join(dataDir, 'log.sqlite')) + fileBytes(join(dataDir, 'log.sqlite-wal'));
    return {
      server: name,
      connections,
      seconds: SECONDS,
      durableEvents: rows,
      eventsPerSecond: rows / SECONDS,
      requestsPerSecond: result.requests.total / SECONDS,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      acked,
      diskBytesPerEvent: diskBytes / allRows,
      serverCpu:
        cpuBefore === undefined || cpuAfter === undefined
          ? undefined
          : (cpuAfter - cpuBefore) / SECONDS,
      clientCpu: (client.user + client.system) / 1e6 / SECONDS,
      threads,
      loadAverage: loadavg()[0],
      ...(RATE > 0 && {
        drainSeconds: drained,
        requestThreadMicros: (requestThread / rows) * 1e6,
        otherThreadsMicros: ((cpuAfter - cpuBefore - requestThread) / rows) * 1e6,
      }),
    };
  } catch (error) {
    server.child.kill('SIGKILL');
    throw error;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// --- Main ----------------------------------------------------------------------------------

const fmt = (n, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const runs = [];
const problems = [];
const warnings = [];
console.log(
  `ingest bench: ${BATCH} track messages per request, ${WARMUP} s warm-up + ${SECONDS} s per run, connections ${CONNECTIONS.join(', ')}, ${ROUNDS} round(s)`,
);
for (let round = 0; round < ROUNDS; round++) {
  for (const connections of CONNECTIONS) {
    // Rotated each round, so each server follows each other equally often (whoever runs right
    // after another pays for the disk work it left behind).
    const order = NAMES.map((_, i) => NAMES[(i + round) % NAMES.length]);
    for (const name of order) {
      const r = await run(name, connections);
      if (RATE > 0)
        console.log(
          `  ${name}: CPU per event ${fmt((r.serverCpu * 1e6) / r.eventsPerSecond, 1)} us${r.requestThreadMicros === undefined ? '' : `, request thread ${fmt(r.requestThreadMicros, 1)} us, other threads ${fmt(r.otherThreadsMicros, 1)} us, folded ${r.drainSeconds ?? 0} s after the load`}`,
        );
      console.log(
        `  ${name} c=${connections}: ${fmt(r.eventsPerSecond)} events/s, ${fmt(r.requestsPerSecond, 1)} req/s, p99 ${r.p99} ms, CPU server ${fmt(r.serverCpu * 100)} % (threads ${r.threads?.map((t) => `${fmt(t * 100)} %`).join(' / ') ?? 'n/a'}) client ${fmt(r.clientCpu * 100)} %, ${fmt(r.eventsPerSecond / r.serverCpu)} events per server CPU s, load ${r.loadAverage.toFixed(1)}`,
      );
      if (r.non2xx + r.errors > 0)
        warnings.push(`${name} c=${connections}: ${r.non2xx} non-2xx, ${r.errors} errors/timeouts`);
      if (r.acked.rejected > 0)
        problems.push(`${name} c=${connections}: ${r.acked.rejected} messages rejected`);
      if (r.acked.stored > r.durableEvents)
        problems.push(
          `${name} c=${connections}: ${r.acked.stored} acknowledged but ${r.durableEvents} on disk`,
        );
      if (r.durableEvents === 0) problems.push(`${name} c=${connections}: nothing stored`);
      runs.push(r);
    }
  }
}

const summary = CONNECTIONS.map((connections) => {
  const of = (name) => runs.filter((r) => r.server === name && r.connections === connections);
  const mean = (list, key) => list.reduce((sum, r) => sum + r[key], 0) / list.length;
  const row = (name) => {
    const list = of(name);
    const cpu = list.every((r) => r.serverCpu !== undefined) ? mean(list, 'serverCpu') : undefined;
    const keys = [
      'eventsPerSecond',
      'requestsPerSecond',
      'p50',
      'p99',
      'non2xx',
      'errors',
      'diskBytesPerEvent',
      ...(RATE > 0 && name !== 'reference' ? ['requestThreadMicros', 'otherThreadsMicros'] : []),
    ];
    return { ...Object.fromEntries(keys.map((key) => [key, mean(list, key)])), serverCpu: cpu };
  };
  const rows = Object.fromEntries(NAMES.map((name) => [name, row(name)]));
  const ratio = (a, b) =>
    rows[a] && rows[b] ? rows[a].eventsPerSecond / rows[b].eventsPerSecond : undefined;
  return {
    connections,
    ...rows,
    ratio: ratio('tailor', 'reference'),
    encryptionRatio: ratio('tailor', 'tailor-plain'),
    comparedRatio: ratio('tailor-compared', 'reference'),
  };
});

const lines = [
  '| server | connections | durable events/s | requests/s | p50 ms | p99 ms | non-2xx | errors/timeouts | server CPU | events per server CPU s | disk bytes/event |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
for (const s of summary) {
  for (const name of NAMES) {
    const r = s[name];
    const cpu = r.serverCpu === undefined ? 'n/a' : `${fmt(r.serverCpu * 100)} %`;
    const perCpu = r.serverCpu === undefined ? 'n/a' : fmt(r.eventsPerSecond / r.serverCpu);
    lines.push(
      `| ${name} | ${s.connections} | ${fmt(r.eventsPerSecond)} | ${fmt(r.requestsPerSecond, 1)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.non2xx)} | ${fmt(r.errors)} | ${cpu} | ${perCpu} | ${fmt(r.diskBytesPerEvent)} |`,
    );
  }
}
if (RATE > 0) {
  lines.push(
    '',
    `| server | CPU us per event at ${fmt(RATE)} events/s offered | request thread | other threads |`,
    '| --- | ---: | ---: | ---: |',
  );
  for (const s of summary)
    for (const name of NAMES) {
      const r = s[name];
      const micros = (value) => (value === undefined ? 'n/a' : fmt(value, 1));
      lines.push(
        `| ${name} | ${micros((r.serverCpu * 1e6) / r.eventsPerSecond)} | ${micros(r.requestThreadMicros)} | ${micros(r.otherThreadsMicros)} |`,
      );
    }
}
const shown = (value) => (value === undefined ? 'n/a' : value.toFixed(2));
const met = (value, target) =>
  value === undefined ? '' : `${value >= target ? 'met' : 'MISSED'} (>= ${target})`;
lines.push(
  '',
  '| connections | Tailor / reference | target | encrypted / plain Tailor | target | compared build / reference |',
  '| ---: | ---: | --- | ---: | --- | ---: |',
);
for (const s of summary)
  lines.push(
    `| ${s.connections} | ${shown(s.ratio)} | ${met(s.ratio, TARGET)} | ${shown(s.encryptionRatio)} | ${met(s.encryptionRatio, ENCRYPTION_TARGET)} | ${shown(s.comparedRatio)} |`,
  );
console.log(`\n${lines.join('\n')}\n`);

const workDir = join(root, 'bench', '.work');
mkdirSync(workDir, { recursive: true });
const file = join(workDir, `ingest-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const settings = {
  seconds: SECONDS,
  warmup: WARMUP,
  batch: BATCH,
  rounds: ROUNDS,
  ...(COMPARE !== undefined && { compared: COMPARE }),
};
const report = {
  date: new Date().toISOString(),
  node: process.version,
  ...settings,
  runs,
  summary,
};
writeFileSync(file, JSON.stringify(report, null, 2));
console.log(`results: ${file}`);

if (warnings.length > 0)
  console.log(
    `\nfailed requests (reported, not an error of the bench):\n  ${warnings.join('\n  ')}`,
  );
if (problems.length > 0) {
  console.error(`\ninvalid runs:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
