// Funnels and retention over ten million events (npm run bench:funnel), issue 19's targets:
// "over 10 million events: a 4-step funnel under 1 s, a 20-step funnel and a 12-week retention
// matrix under 2 s each". Core's computeFunnel and computeRetention on people's events generated
// in memory (20 event names, 10 events a person on average over 16 weeks), so this measures the
// reports' computation, not the pass over the log the services add (which decodes every event:
// the cost the columnar projection, not built yet, is meant to remove). Also a 4-step funnel
// broken down by a step-1 property with 20 values, as the breakdown code runs it.
// Reference in the same run: one pass over every event that finds the step-1 events (any scan
// must do at least that).
// Env: BENCH_PEOPLE (1000000), BENCH_SEED (19).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { breakdownFunnel, computeFunnel, computeRetention } from '@tailor/core';

// Ten million events take about 4 GB: run again with room for them (also under npm run bench).
if (getHeapStatistics().heap_size_limit < 8 * 2 ** 30 && process.env.FUNNEL_BENCH_CHILD !== '1') {
  const child = spawnSync(
    process.execPath,
    ['--max-old-space-size=10240', fileURLToPath(import.meta.url)],
    { stdio: 'inherit', env: { ...process.env, FUNNEL_BENCH_CHILD: '1' } },
  );
  process.exit(child.status ?? 1);
}

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 1_000_000);
const NAMES = 20;
const DAY = 86_400_000;
const START = Date.UTC(2026, 5, 1);

let seed = Number(process.env.BENCH_SEED ?? 19);
const random = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};
const seconds = (started) => (performance.now() - started) / 1000;

// Each person: 1 to 19 events (10 on average), each an event name 0..19 (lower names likelier,
// as a funnel's early steps are), hours to days apart; the step-1 events carry a plan (0..19).
const generated = performance.now();
const people = [];
let events = 0;
for (let p = 0; p < PEOPLE; p++) {
  const n = 1 + Math.floor(random() * 19);
  const list = new Array(n);
  let at = START + Math.floor(random() * 100 * DAY);
  for (let i = 0; i < n; i++) {
    const name = Math.floor(random() ** 2 * NAMES);
    list[i] = { at, name, plan: Math.floor(random() * 20) };
    at += Math.floor(random() * 3 * DAY);
  }
  events += n;
  people.push(list);
}
console.error(`${PEOPLE} people, ${events} events generated in ${seconds(generated).toFixed(1)} s`);

/** Each person's events as an m-step funnel over names 0..m-1 reads them (ordered funnels). */
const asFunnel = (m) =>
  people.map((list) => list.map((e) => ({ at: e.at, steps: e.name < m ? [e.name] : [] })));

const time = (run) => {
  const started = performance.now();
  const result = run();
  return { seconds: seconds(started), result };
};

const reference = time(() => {
  let starts = 0;
  for (const list of people) for (const e of list) if (e.name === 0) starts++;
  return starts;
});
const options = (m) => ({ steps: m, windowMs: 30 * DAY, order: 'ordered' });
// Each input is built outside the timing and dropped after, so one copy of the events is held.
let input = asFunnel(4);
const four = time(() => computeFunnel(input, options(4)));
input = asFunnel(20);
const twenty = time(() => computeFunnel(input, options(20)));
input = undefined;
// The breakdown: the funnel again per plan, only that plan's step-1 events starting attempts
// (core's breakdownFunnel, as the funnel service calls it); its input built outside the timing.
input = people.map((list) =>
  list.map((e) => ({
    at: e.at,
    steps: e.name < 4 ? [e.name] : [],
    groups: e.name === 0 ? [String(e.plan)] : undefined,
  })),
);
const breakdown = time(() => breakdownFunnel(input, options(4), 20));
input = undefined;
let cohorts = people.map((list) =>
  list.map((e) => ({ at: e.at, start: e.name === 0, return: true })),
);
const retention = time(() =>
  computeRetention(cohorts, { period: 'week', periods: 12, now: START + 200 * DAY }),
);
cohorts = undefined;
const { rss } = process.memoryUsage();
const ratio = (s) => `${(s / reference.seconds).toFixed(1)}x`;
console.log(`reference (a pass finding step-1 events) ${reference.seconds.toFixed(2)} s`);
for (const [name, r] of [
  ['4-step funnel', four],
  ['20-step funnel', twenty],
  ['4-step funnel, breakdown by 20 values', breakdown],
  ['12-week retention matrix', retention],
])
  console.log(`${name.padEnd(40)} ${r.seconds.toFixed(2)} s (${ratio(r.seconds)})`);
console.log(
  JSON.stringify(
    {
      people: PEOPLE,
      events,
      referenceSeconds: reference.seconds,
      fourStepSeconds: four.seconds,
      fourStepReached: four.result.steps.map((s) => s.count),
      twentyStepSeconds: twenty.seconds,
      breakdownSeconds: breakdown.seconds,
      retentionSeconds: retention.seconds,
      retentionCohorts: retention.result.cohorts.length,
      rssMB: Math.round(rss / 2 ** 20),
    },
    null,
    2,
  ),
);
