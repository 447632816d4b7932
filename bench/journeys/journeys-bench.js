// Journeys under load (issue 18): 100,000 people in a journey with a wait and an email, run by the
// JourneyRunner on the embedded store (journeys.db) as `tailor serve`'s background does (a tick
// every 250 ms, ticking again at once while it moves people), with a real SMTP sink on loopback
// (smtp-server, in a process of its own, smtp-sink.js) and the real clock.
//
//   A. Lateness of due timers: people enter so that 2,000 a second fall due for 50 s (the
//      entries' reception spread 0.5 ms apart, each wait 10 s). Lateness = when the runner hands
//      the person's email to SMTP minus when their wait fell due. Target: p99 <= 1 s.
//   B. Emails per second to the sink, against a reference measured in the same run: the same
//      nodemailer pooled transport sending the same emails to the same sink straight from a loop
//      (no store, no journey), as fast as it can. The ratio is what compares across machines.
//   C. Memory: RSS every second through the run; flat means the end is near the start of the run's
//      steady state, not growing with the people moved.
// Env: BENCH_PEOPLE (100000), BENCH_RATE (2000 due a second), BENCH_REFERENCE (5000 emails).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createLiquid } from '../../packages/server/dist/decide/create-liquid.js';
import { JourneyRunner } from '../../packages/server/dist/journeys/journey-runner.js';
import { smtpSender } from '../../packages/server/dist/journeys/smtp-sender.js';
import { SqliteJourneyStore } from '../../packages/server/dist/journeys/sqlite-journey-store.js';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 100_000);
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const REFERENCE = Number(process.env.BENCH_REFERENCE ?? 5000);
const CONNECTIONS = Number(process.env.BENCH_SMTP_CONNECTIONS ?? 16);
const WAIT_MS = 10_000;
const here = dirname(fileURLToPath(import.meta.url));

/** The SMTP sink (smtp-sink.js) in its own process; `received()` asks it how many it got. */
async function startSink() {
  const child = spawn(process.execPath, [join(here, 'smtp-sink.js')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const next = () => new Promise((resolve) => lines.once('line', (l) => resolve(JSON.parse(l))));
  const { port } = await next();
  return {
    url: `smtp://127.0.0.1:${port}?maxConnections=${CONNECTIONS}`,
    received: async () => {
      child.stdin.write('\n');
      return (await next()).received;
    },
    close: () => {
      child.stdin.end();
      return new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const mb = (bytes) => Math.round(bytes / 1e6);

const sink = await startSink();
const engine = createLiquid();
const message = (i) => ({
  to: `person${i}@example.com`,
  subject: `Welcome, person ${i}`,
  html: `<p>Hello person ${i}</p>`,
  headers: { 'List-Unsubscribe': '<mailto:unsubscribe@example.com>' },
});

/** Pooled SMTP through the sink, 16 connections. */
const smtp = smtpSender(sink.url, 'Bench <bench@example.com>');
const dir = mkdtempSync(join(tmpdir(), 'journeys-bench-'));
const JOURNEY = {
  entry: { event: 'Signed Up' },
  steps: [
    { wait: `${WAIT_MS / 1000}s` },
    { email: { subject: 'Welcome, {{ traits.name }}', html: '<p>Hello {{ traits.name }}</p>' } },
  ],
};
const readProfile = (person) => ({ traits: { email: `${person}@example.com`, name: person } });

/**
 * PEOPLE enter so that RATE a second fall due; the runner ticks as `tailor serve`'s loop does.
 * Lateness: when the email is handed to `send` minus when the wait fell due.
 */
async function timedRun(name, send) {
  const store = new SqliteJourneyStore(join(dir, `${name}.db`));
  const dueOf = new Map();
  const lateness = [];
  let sent = 0;
  let failed = 0;
  // The runner's clock is injected (Date.now in `tailor serve`): here the real clock shifted, so
  // that everyone is entered first and the first wait falls due a second after.
  const V0 = 1_800_000_000_000;
  let offset = 0;
  const now = () => Date.now() - offset;
  const runner = new JourneyRunner({
    store,
    engine,
    readProfile,
    send: async (m) => {
      lateness.push(now() - dueOf.get(m.to.slice(0, m.to.indexOf('@'))));
      await send(m);
      sent++;
    },
    unsubscribeUrl: () => 'mailto:unsubscribe@example.com',
    now,
    warn: () => failed++,
  });
  await runner.put('welcome', JOURNEY);
  const enterStarted = performance.now();
  for (let i = 0; i < PEOPLE; i++) {
    const due = V0 + Math.floor((i * 1000) / RATE);
    dueOf.set(`person${i}`, due);
    await runner.onEvent({ name: 'Signed Up', person: `person${i}`, receivedAt: due - WAIT_MS });
  }
  const enterSeconds = (performance.now() - enterStarted) / 1000;
  offset = Date.now() - (V0 - 1000);
  const rss = [];
  const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 1000);
  const lastDue = V0 + Math.floor(((PEOPLE - 1) * 1000) / RATE);
  for (;;) {
    if ((await runner.tick(500)) > 0) continue;
    if (now() > lastDue) {
      const steps = await store.stats('welcome');
      if (Object.values(steps).every((c) => c.waiting === 0)) break; // everyone went through
      if (now() > lastDue + 300_000) break; // given up: the counts say how far it got
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  clearInterval(sampler);
  await store.close();
  lateness.sort((a, b) => a - b);
  const steady = rss.slice(Math.min(5, rss.length - 1));
  return {
    entered: {
      seconds: Number(enterSeconds.toFixed(1)),
      perSecond: Math.round(PEOPLE / enterSeconds),
    },
    emailsSent: sent,
    emailsFailed: failed,
    latenessMs: {
      p50: quantile(lateness, 0.5),
      p90: quantile(lateness, 0.9),
      p99: quantile(lateness, 0.99),
      max: lateness[lateness.length - 1],
    },
    rssMb: {
      steadyStart: mb(steady[0] ?? 0),
      peak: mb(Math.max(...rss)),
      end: mb(rss.at(-1) ?? 0),
    },
  };
}

/** Emails a second: 20,000 people all due at once, moved as fast as the runner goes. */
async function burst() {
  const count = Math.min(20_000, PEOPLE);
  const store = new SqliteJourneyStore(join(dir, 'burst.db'));
  const runner = new JourneyRunner({
    store,
    engine,
    readProfile,
    send: smtp.send,
    unsubscribeUrl: () => 'mailto:unsubscribe@example.com',
  });
  await runner.put('welcome', JOURNEY);
  for (let i = 0; i < count; i++)
    await runner.onEvent({
      name: 'Signed Up',
      person: `burst${i}`,
      receivedAt: Date.now() - 60_000,
    });
  const started = performance.now();
  let moved = 0;
  for (let n = await runner.tick(500); n > 0; n = await runner.tick(500)) moved += n;
  const rate = moved / ((performance.now() - started) / 1000);
  await store.close();
  return rate;
}

/** The reference: the same transport sending the same emails from a loop, 16 in flight as the runner. */
async function reference() {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < REFERENCE) await smtp.send(message(next++));
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return REFERENCE / ((performance.now() - started) / 1000);
}

await reference(); // warms the pool's connections and the JIT for both
const referenceRate = await reference();
const journeyRate = await burst();
const timersOnly = await timedRun('timers', () => Promise.resolve());
const withSmtp = await timedRun('smtp', smtp.send);
const result = {
  people: PEOPLE,
  dueRatePerSecond: RATE,
  smtpConnections: CONNECTIONS,
  'A. timers, no SMTP (the runner and its store alone)': timersOnly,
  'A. timers and emails through SMTP': withSmtp,
  'B. emails per second, all due at once': {
    journeys: Math.round(journeyRate),
    reference: Math.round(referenceRate),
    ratio: Number((journeyRate / referenceRate).toFixed(2)),
  },
  sinkReceived: await sink.received(),
  target: 'p99 lateness <= 1000 ms at 2,000 due a second; memory flat',
};
console.log(JSON.stringify(result, null, 2));
smtp.close();
await sink.close();
rmSync(dir, { recursive: true, force: true });
