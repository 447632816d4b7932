import { createRequire } from 'node:module';
// Scale-out benchmark (npm run bench:cluster), on this machine's PostgreSQL and NATS JetStream.
//   A. Durable ingestion through 3 `tailor serve` nodes (POST /v1/batch, load spread over them)
//      beside a reference endpoint measured in the same run: Fastify + the NATS client publishing
//      each request's batch to JetStream and awaiting the acks (reference-server.js). Target >= 0.5.
//      Durable counts are read from the streams afterwards.
//   B. Folding the same events into profiles on PostgreSQL and on SQLite (events/s, in process).
//   C. Freshness at 2,000 events/s through 3 nodes: from a probe's 200 on one node to its profile
//      readable on another (p50, p99; target p99 <= 250 ms).
//      Also the CPU each 1,000 events cost meanwhile, per kind of process (/proc/PID/stat): the
//      nodes (their threads included), their PostgreSQL backends, nats-server (shared with anything
//      else on the machine using it) and the load generator.
//   D. What 3 idle nodes ask PostgreSQL: transactions a second (pg_stat_database), no requests.
// Env: BENCH_SECONDS (10), BENCH_CONNECTIONS (15), BENCH_BATCH (100), BENCH_FOLD_EVENTS (30000),
//      BENCH_RATE (2000), BENCH_PROBES (300: the p99 of fewer is their slowest), BENCH_PARTS (ABCD), BENCH_IDLE_SECONDS (10), BENCH_POSTGRES (postgres://postgres@127.0.0.1:5432),
//      BENCH_NATS (nats://127.0.0.1:4222), BENCH_RATE (C's events/s), BENCH_CPU_SECONDS (C's CPU window
//      at least, 0), BENCH_NODE_ARGS (extra node flags for the Tailor nodes, e.g. "--cpu-prof
//      --cpu-prof-dir=DIR").
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { DEFAULT_IDENTITY_RULES } from '@tailor/core';
import { SqliteEventLog } from '../../packages/server/dist/log/sqlite/sqlite-event-log.js';
import { ProfilePipeline } from '../../packages/server/dist/pipeline/profile-pipeline.js';
import { openSqliteProfileStore } from '../../packages/server/dist/store/sqlite/sqlite-profile-store.js';
import { openPgProfileStore } from '../../packages/server/dist/store/postgres/pg-profile-store.js';
import { PgDatabase } from '../../packages/server/dist/storage/postgres/pg-database.js';
import { plainSealer } from '../../packages/server/dist/privacy/sealer.js';

// The NATS and PostgreSQL clients are the server package's dependencies: load them from there.
const serverRequire = createRequire(new URL('../../packages/server/package.json', import.meta.url));
const load = (name) => import(pathToFileURL(serverRequire.resolve(name)).href);
const { connect } = await load('@nats-io/transport-node');
const { jetstream, jetstreamManager } = await load('@nats-io/jetstream');
const { default: pg } = await load('pg');

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const TAILOR = join(root, 'packages/server/bin/tailor.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 15);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
const FOLD_EVENTS = Number(process.env.BENCH_FOLD_EVENTS ?? 30_000);
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const PROBES = Number(process.env.BENCH_PROBES ?? 300);
const PARTS = process.env.BENCH_PARTS ?? 'ABCD';
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
// C's CPU is counted over the probes, and at least this long (a window of fixed length compares
// builds whose probes take different times).
const CPU_SECONDS = Number(process.env.BENCH_CPU_SECONDS ?? 0);
const POSTGRES = process.env.BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432';
const NATS = process.env.BENCH_NATS ?? 'nats://127.0.0.1:4222';
const WRITE_KEY = 'bench-write-key-0001';
const ADMIN_KEY = 'bench-admin-key-0001';
const WRITE_AUTH = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;
const run = `bench_cluster_${Date.now().toString(36)}`;
const work = mkdtempSync(join(tmpdir(), 'tailor-bench-cluster-'));
const children = new Set();
const streams = [];

const admin = new pg.Client({ connectionString: `${POSTGRES}/postgres` });
await admin.connect();
await admin.query(`CREATE DATABASE ${run}`);
const database = `${POSTGRES}/${run}`;
const keyFile = join(work, 'keys');
execFileSync(process.execPath, [TAILOR, 'keys', 'init', keyFile]);

function spawnServer(args, env = {}) {
  const child = spawn(process.execPath, args, {
    cwd: work,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start in 60 s:\n${output}`)), 60_000);
    const onData = (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], child });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
}

async function startCluster(name) {
  const prefix = `${run}_${name}`;
  streams.push(`${prefix}_events`);
  const env = {
    TAILOR_POSTGRES_URL: database,
    TAILOR_POSTGRES_SCHEMA: name,
    TAILOR_NATS_URL: NATS,
    TAILOR_NATS_PREFIX: prefix,
    TAILOR_ENCRYPTION_KEY_FILE: keyFile,
    TAILOR_WRITE_KEY: WRITE_KEY,
    TAILOR_ADMIN_KEY: ADMIN_KEY,
    TAILOR_CONFIG: join(here, 'bench-config.json'),
  };
  const nodes = [];
  for (let n = 0; n < 3; n++) {
    const data = join(work, `${name}-node-${n}`);
    nodes.push(
      await spawnServer(
        [...NODE_ARGS, TAILOR, 'serve', '--port', '0', '--data', data, '--log-level', 'warn'],
        env,
      ),
    );
  }
  return { nodes, stream: `${prefix}_events` };
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

let seed = 7;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
function batchBody() {
  const parts = [];
  for (let i = 0; i < BATCH; i++) {
    const person = Math.floor(random() * 100_000);
    parts.push(
      JSON.stringify({
        type: 'track',
        messageId: randomUUID(),
        anonymousId: `anon-${person}`,
        ...(person % 3 === 0 ? {} : { userId: `user-${person}` }),
        event: 'Product Viewed',
        properties: { product_id: `P-${person % 500}`, price: (person % 20000) / 100 },
        context: { page: { path: '/p', url: 'https://shop.example.com/p' }, locale: 'en-US' },
      }),
    );
  }
  return `{"batch":[${parts.join(',')}]}`;
}

function loadTest(url, connections) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/v1/batch`,
        method: 'POST',
        connections,
        duration: SECONDS,
        headers: { authorization: WRITE_AUTH, 'content-type': 'application/json' },
        requests: [{ setupRequest: (request) => ({ ...request, body: batchBody() }) }],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false });
  });
}

async function storedIn(stream) {
  const nc = await connect({ servers: NATS });
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  await nc.close();
  return info.state.messages;
}

/** CPU seconds a process has used, its threads included (utime + stime of /proc/PID/stat); 0 once gone. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (CLK_TCK 100 on Linux)
  } catch {
    return 0;
  }
}

/** The pids of processes with this command name (/proc/PID/comm). */
function pidsNamed(name) {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    });
}

/**
 * What the nodes' /metrics say of their folds, summed over the nodes: events folded, and folded
 * batches by the age of their newest event at the fold (the histogram's cumulative buckets).
 */
async function foldMetrics(nodes) {
  const sum = { events: 0, lag: {} };
  for (const node of nodes) {
    const text = await (
      await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
    ).text();
    for (const line of text.split('\n')) {
      const events = /^tailor_pipeline_events_total (\d+)/.exec(line);
      if (events) sum.events += Number(events[1]);
      const bucket = /^tailor_pipeline_lag_seconds_bucket\{le="([^"]+)"\} (\d+)/.exec(line);
      if (bucket) sum.lag[bucket[1]] = (sum.lag[bucket[1]] ?? 0) + Number(bucket[2]);
    }
  }
  return sum;
}

/**
 * Follows the CPU of the nodes, the bench database's PostgreSQL backends (sampled every 200 ms:
 * the pools open and close connections, and one that ends between samples loses its last part),
 * nats-server and this process, from now to `stop()`, which returns the seconds of each.
 */
async function followCpu(nodes) {
  const first = new Map();
  const last = new Map();
  const kindOf = new Map();
  const see = (pid, kind) => {
    const at = cpuSeconds(pid);
    if (at === 0) return;
    if (!first.has(pid)) {
      first.set(pid, at);
      kindOf.set(pid, kind);
    }
    last.set(pid, at);
  };
  const sample = async () => {
    for (const node of nodes) see(node.child.pid, 'nodes');
    for (const pid of pidsNamed('nats-server')) see(pid, 'nats');
    const { rows } = await admin.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
      run,
    ]);
    for (const { pid } of rows) see(pid, 'postgres');
  };
  await sample();
  const commits = async () =>
    Number(
      (
        await admin.query(
          'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1',
          [run],
        )
      ).rows[0].n,
    );
  const commits0 = await commits();
  const folded0 = await foldMetrics(nodes);
  const load0 = process.cpuUsage();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sleep(200);
      await sample();
    }
  })();
  return {
    async stop() {
      sampling = false;
      await sampler;
      await sample();
      const load = process.cpuUsage(load0);
      const seconds = { nodes: 0, postgres: 0, nats: 0, load: (load.user + load.system) / 1e6 };
      for (const [pid, at] of last) seconds[kindOf.get(pid)] += at - first.get(pid);
      const folded = await foldMetrics(nodes);
      const lag = Object.fromEntries(
        Object.entries(folded.lag).map(([le, n]) => [le, n - (folded0.lag[le] ?? 0)]),
      );
      return {
        seconds,
        transactions: (await commits()) - commits0,
        folded: folded.events - folded0.events,
        lag,
      };
    },
  };
}

const results = {};
try {
  if (PARTS.includes('A')) {
    const reference = await spawnServer([
      join(here, 'reference-server.js'),
      '0',
      NATS,
      `${run}_ref`,
    ]);
    streams.push(`${run}_ref_events`);
    const r = await loadTest(reference.url, CONNECTIONS);
    await stop(reference.child);
    const referenceStored = await storedIn(`${run}_ref_events`);
    const cluster = await startCluster('ingest');
    const per = Math.max(1, Math.round(CONNECTIONS / 3));
    const runs = await Promise.all(cluster.nodes.map((node) => loadTest(node.url, per)));
    const non2xx = runs.reduce((n, x) => n + x.non2xx, 0);
    const tailorStored = await storedIn(cluster.stream);
    for (const node of cluster.nodes) await stop(node.child);
    results.ingest = {
      reference: Math.round(referenceStored / SECONDS),
      tailor: Math.round(tailorStored / SECONDS),
      ratio: Number((tailorStored / referenceStored).toFixed(2)),
      tailorNon2xx: non2xx,
      referenceNon2xx: r.non2xx,
    };
    console.log(
      `A. durable ingestion, ${String(CONNECTIONS)} connections, batches of ${String(BATCH)}: reference ${results.ingest.reference} events/s, 3 Tailor nodes ${results.ingest.tailor} events/s: ${results.ingest.ratio} of the reference (target 0.5); non-2xx ${non2xx}`,
    );
  }

  if (PARTS.includes('B')) {
    const messages = [];
    const start = Date.UTC(2026, 10, 1);
    for (let i = 0; i < FOLD_EVENTS; i++) {
      const person = Math.floor(random() * (FOLD_EVENTS / 5));
      const timestamp = new Date(start + i * 1000).toISOString();
      const identify = i % 10 === 0;
      messages.push({
        messageId: `m-${i}`,
        type: identify ? 'identify' : 'track',
        userId: person % 2 === 0 || identify ? `user-${person}` : null,
        anonymousId: `anon-${person}`,
        ...(identify
          ? { traits: { plan: `plan-${i % 3}` } }
          : { event: 'Viewed', properties: { i } }),
        timestamp,
        receivedAt: timestamp,
        context: {},
        tailor: { source: 'key:bench' },
      });
    }
    const log = new SqliteEventLog(join(work, 'fold-log.sqlite'));
    for (let i = 0; i < messages.length; i += 1000) await log.append(messages.slice(i, i + 1000));
    const fold = async (store) => {
      const pipeline = new ProfilePipeline({
        log,
        store,
        rules: DEFAULT_IDENTITY_RULES,
        policy: { sourcePriority: [] },
      });
      const t0 = performance.now();
      await pipeline.catchUp();
      return FOLD_EVENTS / ((performance.now() - t0) / 1000);
    };
    const sqlite = openSqliteProfileStore(join(work, 'fold-state.sqlite'), {}, plainSealer);
    const sqliteRate = await fold(sqlite);
    await sqlite.close();
    const db = await PgDatabase.open({ url: database, schema: 'fold', maxConnections: 4 });
    const pgRate = await fold(await openPgProfileStore(db, plainSealer));
    await db.close();
    await log.close();
    results.fold = {
      sqlite: Math.round(sqliteRate),
      postgres: Math.round(pgRate),
      ratio: Number((pgRate / sqliteRate).toFixed(2)),
    };
    console.log(
      `B. folding ${String(FOLD_EVENTS)} events (batches of 1,000, one pipeline): SQLite ${results.fold.sqlite} events/s, PostgreSQL ${results.fold.postgres} events/s (${results.fold.ratio} of SQLite)`,
    );
  }

  if (PARTS.includes('C')) {
    const cluster = await startCluster('fresh');
    const [a, b, c] = cluster.nodes;
    const nodes = [a, b, c];
    let stopLoad = false;
    const post = (node, batch) =>
      fetch(`${node.url}/v1/batch`, {
        method: 'POST',
        headers: { authorization: WRITE_AUTH, 'content-type': 'application/json' },
        body: JSON.stringify({ batch }),
      });
    // The background load: RATE events/s in batches of 20, round robin over the nodes.
    let sent = 0;
    let failed = 0;
    const background = (async () => {
      const t0 = performance.now();
      while (!stopLoad) {
        const due = ((performance.now() - t0) / 1000) * RATE;
        if (sent < due) {
          const batch = Array.from({ length: 20 }, () => ({
            type: 'track',
            userId: `user-${Math.floor(random() * 50_000)}`,
            event: 'Viewed',
          }));
          // A failed request is counted, not thrown: one reset connection on a loaded machine
          // would end the run. Bodies are read so that connections are reused.
          post(nodes[sent % 3], batch).then(
            (response) => {
              if (response.status !== 200) failed++;
              return response.arrayBuffer();
            },
            () => failed++,
          );
          sent += 20;
        } else await sleep(2);
      }
      return sent / ((performance.now() - t0) / 1000);
    })();
    await sleep(3000); // warm-up under load
    const cpu = await followCpu(nodes);
    const sentBefore = sent;
    const measuredFrom = performance.now();
    const latencies = [];
    for (let i = 0; i < PROBES; i++) {
      const writer = nodes[i % 3];
      const reader = nodes[(i + 1) % 3];
      const userId = `probe-${i}`;
      const response = await post(writer, [{ type: 'identify', userId, traits: { probe: i } }]);
      const acked = performance.now();
      if (response.status !== 200) throw new Error(`probe ${i}: ${response.status}`);
      await response.arrayBuffer();
      for (;;) {
        const read = await fetch(`${reader.url}/v1/profiles?identifier=userId:${userId}`, {
          headers: { authorization: `Bearer ${ADMIN_KEY}` },
        });
        await read.arrayBuffer();
        if (read.status === 200) break;
        await sleep(5);
      }
      latencies.push(performance.now() - acked);
      await sleep(50);
    }
    await sleep(Math.max(0, measuredFrom + CPU_SECONDS * 1000 - performance.now()));
    const { seconds: cpuSeconds, transactions, folded, lag } = await cpu.stop();
    const measuredEvents = sent - sentBefore + PROBES;
    const measuredSeconds = (performance.now() - measuredFrom) / 1000;
    stopLoad = true;
    const rate = await background;
    for (const node of nodes) await stop(node.child);
    latencies.sort((x, y) => x - y);
    const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    results.freshness = {
      rate: Math.round(rate),
      p50: Math.round(at(0.5)),
      p90: Math.round(at(0.9)),
      p99: Math.round(at(0.99)),
      slowest: latencies.slice(-5).map(Math.round),
      failedBackgroundRequests: failed,
      // CPU milliseconds per 1,000 events (background and probes) while the probes ran.
      cpuMsPer1000: Object.fromEntries(
        Object.entries(cpuSeconds).map(([kind, s]) => [
          kind,
          Math.round((s * 1e6) / measuredEvents),
        ]),
      ),
      // Transactions the database committed (or rolled back) per 1,000 events meanwhile.
      transactionsPer1000: Math.round((transactions * 1000) / measuredEvents),
      // Events folded meanwhile (fewer than sent: the folds fell behind), and the share of folded
      // batches whose newest event was folded within 50, 100 and 250 ms of its receipt.
      folded,
      sent: measuredEvents,
      batchesFoldedWithin: Object.fromEntries(
        ['0.05', '0.1', '0.25'].map((le) => [
          `${Number(le) * 1000}ms`,
          Number(((lag[le] ?? 0) / Math.max(1, lag['+Inf'] ?? 0)).toFixed(2)),
        ]),
      ),
      batches: lag['+Inf'] ?? 0,
      cpuBusy: Number(
        (Object.values(cpuSeconds).reduce((a, b) => a + b, 0) / measuredSeconds).toFixed(2),
      ),
    };
    console.log(
      `C. freshness under ${results.freshness.rate} events/s through 3 nodes, ack on one node to profile readable on another: p50 ${results.freshness.p50} ms, p90 ${results.freshness.p90} ms, p99 ${results.freshness.p99} ms (target p99 <= 250 ms); slowest ${results.freshness.slowest.join(', ')} ms; background requests failed: ${failed}`,
    );
    const per = results.freshness.cpuMsPer1000;
    console.log(
      `   CPU ms per 1,000 events: nodes ${per.nodes}, PostgreSQL ${per.postgres}, nats-server ${per.nats}, load ${per.load}; ${results.freshness.cpuBusy} cores busy with them; PostgreSQL transactions per 1,000 events ${results.freshness.transactionsPer1000}`,
    );
    const f = results.freshness;
    console.log(
      `   meanwhile ${f.sent} events sent, ${f.folded} folded in ${f.batches} batches; batches folded within 50 / 100 / 250 ms of their newest event's receipt: ${Object.values(f.batchesFoldedWithin).join(' / ')}`,
    );
  }
  if (PARTS.includes('D')) {
    // Three idle nodes (no requests): the transactions their database commits meanwhile, counted by
    // PostgreSQL itself (pg_stat_database), after the nodes settled.
    const cluster = await startCluster('idle');
    await sleep(15_000);
    const committed = async () => {
      const { rows } = await admin.query(
        'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1',
        [run],
      );
      return Number(rows[0].n);
    };
    const before = await committed();
    await sleep(IDLE_SECONDS * 1000);
    const perSecond = ((await committed()) - before) / IDLE_SECONDS;
    for (const node of cluster.nodes) await stop(node.child);
    results.idle = { nodes: 3, statementsPerSecond: Math.round(perSecond) };
    console.log(
      `D. three idle nodes: ${results.idle.statementsPerSecond} transactions a second on PostgreSQL (about ${Math.round(perSecond / 3)} a node)`,
    );
  }
  console.log(JSON.stringify(results));
} finally {
  for (const child of children) child.kill('SIGKILL');
  await admin.query(`DROP DATABASE IF EXISTS ${run} WITH (FORCE)`);
  await admin.end();
  const nc = await connect({ servers: NATS }).catch(() => undefined);
  if (nc) {
    const jsm = await jetstreamManager(nc);
    for (const stream of streams) await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
  }
  rmSync(work, { recursive: true, force: true });
}
