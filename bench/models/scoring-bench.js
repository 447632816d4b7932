// Scores on profiles (npm run bench:scoring, issue 15): the cost of the ModelScoringJob's pass
// over every profile, beside a floor measured in the same run.
//   People (BENCH_PEOPLE, 20,000) with 1 to 24 events each over 120 days (page views, products
//   added, orders with revenue, an identify with a plan) are folded into profiles in a SQLite
//   store; a propensity classifier is trained on their point-in-time features (core, in memory).
//   Then, on the same store:
//   - the floor: reading every live profile's events, a page of 50 profiles at a time, as the
//     scoring job reads them (eventPositions + readPositions), and nothing else;
//   - the scoring job's first pass: the same reads, the features, the score and its explanation,
//     and writing every score into its profile (segments reading it evaluated).
//   Prints profiles per CPU second and per wall second of each, and their ratio.
// Needs the server built (npm run build). Env: BENCH_PEOPLE (20000).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compileDefinitions,
  DEFAULT_IDENTITY_RULES,
  pointInTimeFeatures,
  readCondition,
  trainClassifier,
} from '@tailor/core';
import { SqliteEventLog } from '../../packages/server/dist/log/sqlite/sqlite-event-log.js';
import { ModelScoringJob } from '../../packages/server/dist/models/model-scoring.js';
import { ProfilePipeline } from '../../packages/server/dist/pipeline/profile-pipeline.js';
import { openSqliteProfileStore } from '../../packages/server/dist/store/sqlite/sqlite-profile-store.js';
import { plainSealer } from '../../packages/server/dist/privacy/sealer.js';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 20_000);
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 30);
const PAGE = 50;

let seed = 15;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
let ids = 0;
const message = (userId, fields, daysAgo) => {
  const timestamp = new Date(NOW - daysAgo * DAY).toISOString();
  return {
    messageId: `s-${++ids}`,
    userId,
    anonymousId: null,
    timestamp,
    receivedAt: timestamp,
    context: {},
    tailor: { source: 'key:bench' },
    properties: {},
    ...fields,
  };
};

const messages = [];
const byPerson = [];
for (let p = 0; p < PEOPLE; p++) {
  const user = `u${p}`;
  const events = [];
  const plan = random() < 0.3 ? 'pro' : 'free';
  messages.push(message(user, { type: 'identify', traits: { plan } }, 119));
  events.push({ at: NOW - 119 * DAY, traits: { plan } });
  const count = 1 + Math.floor(random() ** 2 * 24);
  for (let e = 0; e < count; e++) {
    const daysAgo = Math.floor(random() * 118);
    const r = random();
    const event = r < 0.7 ? 'Page Viewed' : r < 0.9 ? 'Product Added' : 'Order Completed';
    const properties =
      event === 'Order Completed' ? { revenue: Math.round(10 + 90 * random()) } : {};
    messages.push(message(user, { type: 'track', event, properties }, daysAgo));
    events.push({ at: NOW - daysAgo * DAY, event, properties });
  }
  byPerson.push({ id: user, events });
}
messages.sort((a, b) => a.timestamp.localeCompare(b.timestamp));

const dir = mkdtempSync(join(tmpdir(), 'tailor-scoring-bench-'));
const log = new SqliteEventLog(join(dir, 'log.sqlite'), plainSealer);
const store = openSqliteProfileStore(join(dir, 'state.sqlite'), {}, plainSealer);
for (let i = 0; i < messages.length; i += 5000) await log.append(messages.slice(i, i + 5000));

// A classifier on the features 30 days before now, labelled by an order in the 30 days after.
const cutoff = NOW - 30 * DAY;
const table = pointInTimeFeatures(byPerson, cutoff, {
  kind: 'propensity',
  pattern: { event: 'Order Completed' },
  days: 30,
});
const rows = table.rows.map((r) =>
  Object.fromEntries(Object.entries(r.features).map(([k, v]) => [k, v === null ? '' : String(v)])),
);
const report = trainClassifier(
  rows,
  table.rows.map((r) => r.label ?? 0),
  table.columns,
);
const version = {
  version: 1,
  trainedAt: new Date(NOW).toISOString(),
  classifier: report.classifier,
  countedEvents: table.events,
};
const model = { name: 'buy', promoted: 1, horizonDays: 365 };
const likely = readCondition('model.buy.score > 0.5');
const definitions = compileDefinitions([], [{ name: 'likely', tree: likely.value.tree }]);

let job;
const jobStates = new Map();
const pipeline = new ProfilePipeline({
  log,
  store,
  rules: DEFAULT_IDENTITY_RULES,
  policy: { sourcePriority: [] },
  now: () => NOW,
  definitions: () => definitions,
  upkeepJobs: (upkeep) => {
    job = new ModelScoringJob({
      // The registry in memory: the model, its version, and the job's saved position.
      models: {
        list: async () => [model],
        version: async () => version,
        jobState: async (name) => jobStates.get(name),
        saveJobState: async (name, state) => {
          jobStates.set(name, state);
        },
      },
      profiles: store,
      log,
      folded: async () => {
        const at = await store.position('profiles');
        return () => at;
      },
      plan: upkeep.plan,
      changed: upkeep.changed,
      now: () => NOW,
      rescoreMs: 365 * DAY,
      checkMs: 0,
    });
    return [];
  },
});
const foldStart = performance.now();
await pipeline.catchUp();
const foldSeconds = (performance.now() - foldStart) / 1000;

/** CPU seconds (user + system) and wall seconds of `work`. */
async function timed(work) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await work();
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1e6, wall: (performance.now() - start) / 1000, result };
}

const floor = await timed(async () => {
  let cursor = 0;
  let people = 0;
  let events = 0;
  for (;;) {
    const page = await store.live(cursor, PAGE);
    for (const profile of page.profiles) {
      for (let after = 0; ;) {
        const positions = await store.eventPositions(profile.id, after, 1000);
        events += (await log.readPositions(positions.positions)).length;
        if (positions.next === null) break;
        after = positions.next;
      }
      people++;
    }
    cursor = page.profiles[page.profiles.length - 1]?.rank ?? cursor;
    if (page.next === null) return { people, events };
  }
});
const scoring = await timed(async () => {
  let steps = 0;
  for (;;) {
    steps++;
    const step = await job.step();
    if (step.finished && steps > 1) return steps;
  }
});
const scored = (await store.live(0, PEOPLE + 10)).profiles.filter((p) => p.scores.buy).length;
const members = (await store.members('likely', '', 1)).count;

const rate = (n, s) => Math.round(n / s).toLocaleString('en');
console.log(
  JSON.stringify(
    {
      people: PEOPLE,
      events: messages.length,
      inputs: report.classifier.plan.inputs.length,
      model: report.cv.model,
      auc: Number(report.cv.auc.toFixed(4)),
      foldSeconds: Number(foldSeconds.toFixed(1)),
      floor: {
        people: floor.result.people,
        eventsRead: floor.result.events,
        cpuSeconds: Number(floor.cpu.toFixed(2)),
        wallSeconds: Number(floor.wall.toFixed(2)),
        profilesPerCpuSecond: rate(floor.result.people, floor.cpu),
        profilesPerWallSecond: rate(floor.result.people, floor.wall),
      },
      scoringPass: {
        scored,
        inSegment: members,
        cpuSeconds: Number(scoring.cpu.toFixed(2)),
        wallSeconds: Number(scoring.wall.toFixed(2)),
        profilesPerCpuSecond: rate(scored, scoring.cpu),
        profilesPerWallSecond: rate(scored, scoring.wall),
      },
      scoringOverFloorCpu: Number((scoring.cpu / floor.cpu).toFixed(2)),
      scoringOverFloorWall: Number((scoring.wall / floor.wall).toFixed(2)),
    },
    null,
    2,
  ),
);
await store.close();
await log.close();
rmSync(dir, { recursive: true, force: true });
