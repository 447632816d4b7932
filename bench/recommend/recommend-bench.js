// Recommenders side by side on UCI Online Retail (npm run bench:recommend), issue 17's protocol:
//   interactions = distinct (CustomerID, StockCode) with a positive quantity (rows without a
//   customer left out); train before 2011-10-01, test from it; evaluated users = those in both
//   periods with an item in the test period they had not bought in training; full ranking over
//   the training catalogue minus what the user bought. Prints Recall@K, NDCG@K, coverage,
//   popularity bias and the training time of each method, as JSON and as a table; and how each
//   completes the test period's orders (InvoiceNo: one item of each order held out, the rest
//   given as a cart), the measure of "bought together".
// Then the content index at catalogue scale (content-index.js): 1,000,000 product texts, the
//   HNSW index against exact search in the same run.
// Env: BENCH_DATA (../shared/data/online-retail/online-retail.csv.gz), BENCH_K (20),
//   BENCH_METHODS (popularity,item-knn,ease,bought-together), BENCH_GRID=1 to also try a few EASE λ / half-lives,
//   BENCH_BLENDS (blends evaluated beside their members, fitted once: ";"-separated lists of
//   method:weight, default "ease:1,item-knn:1;ease:1,bought-together:1;ease:2,item-knn:1,bought-together:1"),
//   BENCH_PARTS (methods,ann: which parts run), BENCH_ANN_ITEMS (1000000).
import { createReadStream, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import {
  evaluateBaskets,
  evaluateRecommender,
  fitParameters,
  parseTimestamp,
  recommenderFrom,
  splitByTime,
} from '@tailor/core';
import { runContentIndexBench } from './content-index.js';

const DATA =
  process.env.BENCH_DATA ??
  fileURLToPath(
    new URL('../../../shared/data/online-retail/online-retail.csv.gz', import.meta.url),
  );
const K = Number(process.env.BENCH_K ?? 20);
const METHODS = (process.env.BENCH_METHODS ?? 'popularity,item-knn,ease,bought-together').split(
  ',',
);
const BLENDS = (
  process.env.BENCH_BLENDS ??
  'ease:1,item-knn:1;ease:1,bought-together:1;ease:2,item-knn:1,bought-together:1'
)
  .split(';')
  .filter((b) => b !== '')
  .map((blend) =>
    blend.split(',').map((part) => {
      const [method, weight = '1'] = part.split(':');
      return { method, weight: Number(weight) };
    }),
  );
const SPLIT = Date.UTC(2011, 9, 1);
const PARTS = new Set((process.env.BENCH_PARTS ?? 'methods,ann').split(','));

if (!existsSync(DATA)) {
  console.error(`no data at ${DATA} (set BENCH_DATA)`);
  process.exit(1);
}

const started = performance.now();
const interactions = [];
/** Each StockCode's description: the words the content index's generated catalogue is made of. */
const descriptions = new Map();
const rows = createReadStream(DATA)
  .pipe(createGunzip())
  .pipe(parse({ columns: true }));
for await (const row of rows) {
  if (row.Description) descriptions.set(row.StockCode, row.Description);
  if (row.CustomerID === '' || !(Number(row.Quantity) > 0)) continue;
  const time = parseTimestamp(row.InvoiceDate);
  if (!time.ok) throw new Error(time.error);
  interactions.push({
    user: row.CustomerID,
    item: row.StockCode,
    time: time.value,
    basket: row.InvoiceNo,
  });
}
const split = splitByTime(interactions, SPLIT);
if (!split.ok) throw new Error(split.error);
const { train, heldOut } = split.value;
console.error(
  `${interactions.length} rows read in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
    `train: ${train.userIds.length} users, ${train.itemIds.length} items, ${train.items.length} pairs; ` +
    `${heldOut.length} users and ${split.value.testBaskets?.length ?? 0} orders evaluated`,
);

const runs = PARTS.has('methods') ? METHODS.map((method) => ({ method, options: {} })) : [];
if (process.env.BENCH_GRID === '1')
  for (const lambda of [100, 200, 400])
    for (const easeHalfLifeDays of [90, 180, Infinity])
      runs.push({ method: 'ease', options: { lambda, easeHalfLifeDays } });

const results = [];
/** Each method's parameters with default options, fitted once: the blends reuse them. */
const fitted = new Map();
const measure = (method, options, parameters, trainSeconds) => {
  const model = recommenderFrom(split.value.train, parameters, options);
  const t1 = performance.now();
  const evaluation = evaluateRecommender(split.value, model, K);
  const perUserMs = (performance.now() - t1) / Math.max(1, evaluation.users);
  const orders = evaluateBaskets(split.value, model, K);
  results.push({ method, options, ...evaluation, trainSeconds, perUserMs, orders });
  console.error(
    `${method} ${JSON.stringify(options)}: recall@${K} ${evaluation.recall.toFixed(4)}, ` +
      `ndcg@${K} ${evaluation.ndcg.toFixed(4)}, coverage ${evaluation.coverage.toFixed(3)}, ` +
      `popularity bias ${evaluation.popularityBias.toFixed(4)}, trained in ${trainSeconds.toFixed(1)} s, ` +
      `${perUserMs.toFixed(2)} ms a user; ${orders.baskets} orders completed: recall@${K} ` +
      `${orders.recall.toFixed(4)}, ndcg@${K} ${orders.ndcg.toFixed(4)}, coverage ${orders.coverage.toFixed(3)}`,
  );
};
const fit = (method, options) => {
  const t0 = performance.now();
  const parameters = fitParameters(split.value.train, method, options, {
    baskets: split.value.trainBaskets,
  });
  if (!parameters.ok) throw new Error(parameters.error);
  return { parameters: parameters.value, seconds: (performance.now() - t0) / 1000 };
};
for (const { method, options } of runs) {
  const { parameters, seconds } = fit(method, options);
  if (Object.keys(options).length === 0) fitted.set(method, { parameters, seconds });
  measure(method, options, parameters, seconds);
}
if (PARTS.has('methods'))
  for (const blend of BLENDS) {
    const parts = blend.map(({ method, weight }) => {
      if (!fitted.has(method)) fitted.set(method, fit(method, {}));
      return { weight, ...fitted.get(method) };
    });
    const seconds = parts.reduce((sum, part) => sum + part.seconds, 0);
    measure('blend', { blend }, { method: 'blend', parts }, seconds);
  }
const popularity = results.find((r) => r.method === 'popularity');
console.log(
  JSON.stringify(
    {
      k: K,
      trainUsers: train.userIds.length,
      trainItems: train.itemIds.length,
      trainPairs: train.items.length,
      evaluatedUsers: heldOut.length,
      results: results.map((r) => ({
        ...r,
        recallVsPopularity: popularity ? r.recall / popularity.recall : undefined,
      })),
      contentIndex: PARTS.has('ann')
        ? runContentIndexBench([...descriptions.values()], K)
        : undefined,
    },
    (_key, value) => (value === Infinity ? 'Infinity' : value),
    2,
  ),
);
console.error(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
