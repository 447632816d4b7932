// Attribution over one million people's journeys (npm run bench:attribution), issue 19's target:
// "attribution with all models over 1 million paths under 10 s, the Markov removal effects exact
// and the same on every run". Core's attribute() on journeys generated in memory (8 channels,
// 1 to 6 touchpoints each, about a third converting), so this measures the models, not the log
// pass (which the report's service adds: see the experiments benchmarks for what reading the log
// costs). Reference in the same run: building the converting and non-converting paths alone.
// Env: BENCH_PEOPLE (1000000), BENCH_SEED (7).
import { ATTRIBUTION_MODELS, attribute } from '@tailor/core';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 1_000_000);
const CHANNELS = [
  'google',
  'bing',
  'facebook',
  'instagram',
  'newsletter',
  'partner',
  'tiktok',
  'direct',
];
const DAY = 86_400_000;

let seed = Number(process.env.BENCH_SEED ?? 7);
const random = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};

const seconds = (started) => (performance.now() - started) / 1000;
const generated = performance.now();
const journeys = [];
let touchpoints = 0;
for (let p = 0; p < PEOPLE; p++) {
  const steps = [];
  let at = Math.floor(random() * 300) * DAY;
  const n = 1 + Math.floor(random() * 6);
  let chance = 0.1;
  for (let i = 0; i < n; i++) {
    const key = CHANNELS[Math.floor(random() ** 1.5 * CHANNELS.length)];
    if (key === 'newsletter') chance += 0.15;
    steps.push({ kind: 'touch', key, at });
    at += Math.floor(random() * 5 * DAY);
  }
  touchpoints += n;
  if (random() < chance + 0.1 * n) steps.push({ kind: 'conversion', at, value: 1 });
  journeys.push(steps);
}
console.error(
  `${PEOPLE} journeys, ${touchpoints} touchpoints generated in ${seconds(generated).toFixed(1)} s`,
);

const time = (models) => {
  const started = performance.now();
  const result = attribute(journeys, { models });
  return { seconds: seconds(started), result };
};

// The reference: paths only (first_touch is one pass over them).
const reference = time(['first_touch']);
const rows = [];
for (const model of ATTRIBUTION_MODELS) rows.push({ model, seconds: time([model]).seconds });
const all = time([...ATTRIBUTION_MODELS]);
const again = time(['markov', 'markov_2', 'markov_3']);
const same = ['markov', 'markov_2', 'markov_3'].every(
  (m) =>
    JSON.stringify(all.result.models[m]?.shares) === JSON.stringify(again.result.models[m]?.shares),
);
const { rss } = process.memoryUsage();

for (const r of rows) console.log(`${r.model.padEnd(16)} ${r.seconds.toFixed(2)} s`);
console.log(
  JSON.stringify(
    {
      people: PEOPLE,
      touchpoints,
      convertingPaths: all.result.convertingPaths,
      nonConvertingPaths: all.result.nonConvertingPaths,
      referenceSeconds: reference.seconds,
      models: Object.fromEntries(rows.map((r) => [r.model, r.seconds])),
      allModelsSeconds: all.seconds,
      ratioToReference: all.seconds / reference.seconds,
      markovSameOnEveryRun: same,
      rssMB: Math.round(rss / 1e6),
      markovShares: all.result.models.markov?.shares,
    },
    null,
    2,
  ),
);
