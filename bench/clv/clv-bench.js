// The cost of CLV kept live on profiles (npm run bench:clv).
//   Customers' purchases (two years, a few per customer) are folded into profiles with a
//   `clv("Order Completed".revenue, 52w)` computed trait, which fits BG/NBD and Gamma-Gamma
//   over everyone (the population job). Then a further stream of purchases is folded three ways,
//   each on a copy of nothing but the same log: with no computed trait, with a plain
//   `sum("Order Completed".revenue)` aggregate (an ordinary per-event update), and with the fitted
//   `clv` trait (each purchase recomputes the person's predictions: a 2F1 and a few logs).
//   Prints events/s of each and the extra cost per purchase in microseconds; also the fit's time.
// Env: BENCH_CUSTOMERS (20000), BENCH_PURCHASES (100000), BENCH_MORE (50000).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileDefinitions, DEFAULT_IDENTITY_RULES, readComputed } from '@tailor/core';
import { SqliteEventLog } from '../../packages/server/dist/log/sqlite/sqlite-event-log.js';
import { ProfilePipeline } from '../../packages/server/dist/pipeline/profile-pipeline.js';
import { openSqliteProfileStore } from '../../packages/server/dist/store/sqlite/sqlite-profile-store.js';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 20_000);
const PURCHASES = Number(process.env.BENCH_PURCHASES ?? 100_000);
const MORE = Number(process.env.BENCH_MORE ?? 50_000);
const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);
const NOW = START + 730 * DAY;

let seed = 11;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
let ids = 0;

/** A purchase by one of the customers on one of the days in [from, to). */
function purchase(from, to) {
  // Skewed: a few customers buy often, most rarely.
  const customer = Math.floor(CUSTOMERS * random() ** 2);
  const at = from + Math.floor(random() * (to - from));
  const timestamp = new Date(at).toISOString();
  return {
    type: 'track',
    messageId: `clv-${++ids}`,
    userId: `c${customer}`,
    anonymousId: null,
    event: 'Order Completed',
    properties: { revenue: Math.round(5 + 95 * random() ** 1.5) },
    timestamp,
    receivedAt: timestamp,
    context: {},
    tailor: { source: 'key:bench' },
  };
}

function plan(text) {
  if (text === undefined) return undefined;
  const parsed = readComputed(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return compileDefinitions([{ name: 'trait', tree: parsed.value.tree }], []);
}

const history = Array.from({ length: PURCHASES }, () => purchase(START, NOW - 30 * DAY)).sort(
  (a, b) => a.timestamp.localeCompare(b.timestamp),
);
const more = Array.from({ length: MORE }, () => purchase(NOW - 30 * DAY, NOW)).sort((a, b) =>
  a.timestamp.localeCompare(b.timestamp),
);

/** Folds the history, then times folding `more` on top: events/s of that second fold. */
async function run(definition) {
  const dir = mkdtempSync(join(tmpdir(), 'tailor-bench-clv-'));
  try {
    const log = new SqliteEventLog(join(dir, 'log.sqlite'));
    const store = openSqliteProfileStore(join(dir, 'state.sqlite'));
    const compiled = plan(definition);
    const pipeline = new ProfilePipeline({
      log,
      store,
      rules: DEFAULT_IDENTITY_RULES,
      policy: { sourcePriority: [] },
      definitions: () => compiled,
      now: () => NOW,
      populationRefreshMs: 365 * DAY, // fitted once, after the history
    });
    for (let i = 0; i < history.length; i += 5000) await log.append(history.slice(i, i + 5000));
    const fitStarted = performance.now();
    await pipeline.catchUp();
    const historyMs = performance.now() - fitStarted;
    const populations = await store.populations();
    for (let i = 0; i < more.length; i += 5000) await log.append(more.slice(i, i + 5000));
    const started = performance.now();
    await pipeline.catchUp();
    const seconds = (performance.now() - started) / 1000;
    await store.close();
    await log.close();
    return { rate: MORE / seconds, historyMs, fitted: populations.size > 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const none = await run(undefined);
const sum = await run('sum("Order Completed".revenue)');
const clv = await run('clv("Order Completed".revenue, 52w)');
if (!clv.fitted) throw new Error('the clv models were not fitted');
const perEvent = (r) => 1e6 / r.rate;
console.log(
  `${CUSTOMERS} customers, ${PURCHASES} purchases folded, then ${MORE} more timed:\n` +
    `  no computed trait        ${Math.round(none.rate)} events/s\n` +
    `  sum(...) aggregate       ${Math.round(sum.rate)} events/s\n` +
    `  clv(...) with its models ${Math.round(clv.rate)} events/s: ${(clv.rate / sum.rate).toFixed(2)} of the aggregate's, ` +
    `${(perEvent(clv) - perEvent(sum)).toFixed(1)} µs more per purchase than it\n` +
    `  history folded and models fitted in ${(clv.historyMs / 1000).toFixed(1)} s ` +
    `(the aggregate's history alone ${(sum.historyMs / 1000).toFixed(1)} s)`,
);
console.log(
  JSON.stringify({
    none: Math.round(none.rate),
    sum: Math.round(sum.rate),
    clv: Math.round(clv.rate),
    ratio: Number((clv.rate / sum.rate).toFixed(2)),
    extraMicrosPerPurchase: Number((perEvent(clv) - perEvent(sum)).toFixed(1)),
    historyAndFitMs: Math.round(clv.historyMs),
    sumHistoryMs: Math.round(sum.historyMs),
  }),
);
