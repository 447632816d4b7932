// Attribution over one million people's journeys (npm run bench:attribution), issue 19's target:
// "attribution with all models over 1 million paths under 10 s, the Markov removal effects exact
// and the same on every run". Two parts in the same run, on the same journeys (8 sources, 1 to 6
// touchpoints each, about a third converting):
// 1. Models only: core's attribute() on the journeys built in memory. Reference: building the
//    converting and non-converting paths alone.
// 2. The route: the same journeys written as events into a reports projection file
//    (reports.duckdb, docs/reports.md: one page event per touchpoint carrying its campaign
//    source's combination, one `Order Completed` per conversion, and one other event per person
//    the report passes over), opened as a server opens it, then AttributionService answering
//    every model from it as POST /v1/reports/attribution does (rows out of DuckDB, keys per
//    combination, people grouped, journeys built, attribute()). Its shares must equal part 1's.
// Each figure in wall seconds and CPU seconds of the process (process.cpuUsage, DuckDB's threads
// included), the machine being shared.
// Env: BENCH_PEOPLE (1000000), BENCH_SEED (7), BENCH_ROUTE (1; 0 skips part 2), BENCH_ROUNDS (2:
// the service's answers timed).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ATTRIBUTION_MODELS, attribute } from '@tailor/core';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 1_000_000);
const ROUTE = process.env.BENCH_ROUTE !== '0';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
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
const cpuSeconds = (started) => {
  const { user, system } = process.cpuUsage(started);
  return (user + system) / 1e6;
};
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

// The projection file is written first, so the journeys can be let go before the service runs
// (a server holds no journeys besides the report's own).
const written = ROUTE ? await writeProjection() : undefined;

const time = (models) => {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = attribute(journeys, { models });
  return { seconds: seconds(started), cpu: cpuSeconds(cpu), result };
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
journeys.length = 0;
const route = written === undefined ? undefined : await answerFromProjection(written);
const sameShares =
  route === undefined
    ? undefined
    : ATTRIBUTION_MODELS.every((m) =>
        sameNumbers(all.result.models[m]?.shares, route.result.models[m]?.shares),
      );
const { rss } = process.memoryUsage();

for (const r of rows) console.log(`${r.model.padEnd(16)} ${r.seconds.toFixed(2)} s`);
console.log(
  `all models: ${all.seconds.toFixed(2)} s (${all.cpu.toFixed(2)} CPU) over journeys in memory` +
    (route === undefined
      ? ''
      : `; through the service from the projection: ${route.seconds.toFixed(2)} s (${route.cpu.toFixed(2)} CPU), same shares: ${sameShares}`) +
    `; load ${loadavg()[0].toFixed(1)}`,
);
console.log(
  JSON.stringify(
    {
      people: PEOPLE,
      touchpoints,
      convertingPaths: all.result.convertingPaths,
      nonConvertingPaths: all.result.nonConvertingPaths,
      referenceSeconds: [reference.seconds, reference.cpu],
      models: Object.fromEntries(rows.map((r) => [r.model, r.seconds])),
      allModelsSeconds: [all.seconds, all.cpu],
      ratioToReference: all.seconds / reference.seconds,
      route:
        route === undefined
          ? undefined
          : {
              events: route.events,
              openSeconds: [route.open.seconds, route.open.cpu],
              allModelsSeconds: route.rounds.map((r) => [r.seconds, r.cpu]),
              ratioToModelsOnly: route.cpu / all.cpu,
              sameSharesAsModelsOnly: sameShares,
              people: route.result.people,
            },
      markovSameOnEveryRun: same,
      loadAverage: loadavg(),
      rssMB: Math.round(rss / 1e6),
      markovShares: all.result.models.markov?.shares,
    },
    null,
    2,
  ),
);

/** Equal shares, to 12 significant digits (sums taken in another order). */
function sameNumbers(a = {}, b = {}) {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Math.abs(a[k] - b[k]) <= 1e-12 * Math.max(1, Math.abs(a[k])));
}

/**
 * Part 2, first half: the journeys as a projection file (CSV loaded by DuckDB, numbered in time
 * order as a log receives them).
 */
async function writeProjection() {
  const { PROJECTION_SCHEMA } =
    await import('../../packages/server/dist/reports/projection/report-projection.js');
  const dir = mkdtempSync(join(tmpdir(), 'tailor-attribution-bench-'));
  const file = join(dir, 'reports.duckdb');
  {
    const written = performance.now();
    // person, time, name id (1 Page Viewed, 2 Order Completed, 3 Signed Up), touch combination
    // (the source's: CHANNELS index + 1), sequence (log order within a person at equal times).
    const csv = join(dir, 'events.csv');
    const parts = [];
    let lines = [];
    let events = 0;
    const sourceId = new Map(CHANNELS.map((c, i) => [c, i + 1]));
    journeys.forEach((steps, p) => {
      lines.push(`${p},${(steps[0]?.at ?? 0) + 1000},3,,${events++}`);
      for (const step of steps)
        lines.push(
          step.kind === 'touch'
            ? `${p},${step.at},1,${sourceId.get(step.key)},${events++}`
            : `${p},${step.at},2,,${events++}`,
        );
      if (lines.length > 200_000) {
        parts.push(lines.join('\n'));
        lines = [];
      }
    });
    parts.push(lines.join('\n'));
    writeFileSync(csv, parts.join('\n') + '\n');
    parts.length = 0;
    {
      const instance = await DuckDBInstance.create(file);
      const db = await instance.connect();
      await db.run(`
        ${PROJECTION_SCHEMA}
        INSERT INTO projection_meta VALUES (1, ${events});
        INSERT INTO event_names VALUES (1, 'Page Viewed'), (2, 'Order Completed'), (3, 'Signed Up');
        INSERT INTO touch_strings VALUES ${CHANNELS.map((c, i) => `(${i + 1}, '${c}')`).join(', ')};
        INSERT INTO touch_combos VALUES ${CHANNELS.map((_, i) => `(${i + 1}, 0, ${i + 1}, 0, 0, 0, 0, 0, 0)`).join(', ')};
        INSERT INTO persons SELECT range, 'profile-' || range, -1, false FROM range(${PEOPLE});
        INSERT INTO events (position, at_ms, name_id, person, received_ms, touch)
          SELECT row_number() OVER (ORDER BY at_ms, person, seq), at_ms, name_id, person, at_ms, touch
          FROM read_csv('${csv}', header = false,
            columns = {'person': 'INTEGER', 'at_ms': 'DOUBLE', 'name_id': 'INTEGER', 'touch': 'INTEGER', 'seq': 'BIGINT'})
          ORDER BY at_ms, person, seq;
        CHECKPOINT;`);
      db.closeSync();
      instance.closeSync();
    }
    rmSync(csv);
    console.error(`${events} events written into a projection in ${seconds(written).toFixed(1)} s`);
    return { dir, file, events };
  }
}

/** Part 2: the projection opened as a server opens it, then the service answering every model. */
async function answerFromProjection({ dir, file, events }) {
  const [{ ReportProjection }, { AttributionService }] = await Promise.all([
    import('../../packages/server/dist/reports/projection/report-projection.js'),
    import('../../packages/server/dist/reports/attribution-service.js'),
  ]);
  try {
    // Opened as a server opens it (every profile live, none refusing analytics); no funnel index.
    const profiles = {
      byId: async (id) => ({ id, consent: { current: {} } }),
      byIdentifier: async () => undefined,
    };
    const opened = performance.now();
    const openedCpu = process.cpuUsage();
    const projection = await ReportProjection.open(file, {
      log: { read: async () => [] },
      profiles,
      folded: async () => events,
      indexMaxEvents: 0,
    });
    await projection.catchUp();
    const open = { seconds: seconds(opened), cpu: cpuSeconds(openedCpu) };
    const service = new AttributionService({
      log: { read: async () => [] },
      profiles,
      projection: () => projection,
    });
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      const result = await service.attribution({
        conversion: 'Order Completed',
        by: 'source',
        models: [...ATTRIBUTION_MODELS],
      });
      rounds.push({ seconds: seconds(started), cpu: cpuSeconds(cpu), result });
      console.error(
        `through the service, round ${round + 1}: ${rounds[round].seconds.toFixed(2)} s (${rounds[round].cpu.toFixed(2)} CPU), load ${loadavg()[0].toFixed(1)}`,
      );
    }
    await projection.close();
    return { ...rounds[rounds.length - 1], rounds, events, open };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
