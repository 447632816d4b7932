// Funnels and retention over ten million events (npm run bench:funnel), issue 19's targets:
// "over 10 million events: a 4-step funnel under 1 s, a 20-step funnel and a 12-week retention
// matrix under 2 s each". The reports' columnar projection (reports.duckdb, docs/reports.md) is
// filled with generated events, then the funnel and retention services answer from it exactly as
// the routes do: from the in-memory index the projection keeps beside DuckDB (report-index.ts:
// each person's events as typed columns, loaded from DuckDB when opened), or with
// BENCH_INDEX=0 from DuckDB itself (funnels: the rows out of DuckDB grouped in Node; retention in
// SQL). Events are generated per person (20 event names, the early ones likelier; 1 to 19 events
// a person, 10 on average, about 16 weeks), then numbered in time order, as a log receives them.
// References in the same run: DuckDB's own count of the 4-step funnel's rows (nothing moved out),
// and the step-1 rows out of DuckDB, grouped by person (BENCH_INDEX=0).
// Each figure is given in wall seconds and in CPU seconds of the process (process.cpuUsage, DuckDB's
// threads included), the machine being shared.
// Env: BENCH_PEOPLE (1000000), BENCH_SEED (19), BENCH_ROUNDS (2), BENCH_INDEX (1).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  PROJECTION_SCHEMA,
  ReportProjection,
} from '../../packages/server/dist/reports/projection/report-projection.js';
import { FunnelService } from '../../packages/server/dist/reports/funnel-service.js';
import { RetentionService } from '../../packages/server/dist/reports/retention-service.js';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const INDEX = process.env.BENCH_INDEX !== '0';
const NAMES = 20;
const DAY = 86_400_000;
const START = Date.UTC(2026, 5, 1);

let seed = Number(process.env.BENCH_SEED ?? 19);
const random = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};
const seconds = (started) => (performance.now() - started) / 1000;
const cpuSeconds = (started) => {
  const { user, system } = process.cpuUsage(started);
  return (user + system) / 1e6;
};

const dir = mkdtempSync(join(tmpdir(), 'tailor-funnel-bench-'));
const file = join(dir, 'reports.duckdb');
try {
  // 1. The events, as CSV (person, time, name id), loaded by DuckDB and numbered in time order.
  const generated = performance.now();
  const csv = join(dir, 'events.csv');
  let events = 0;
  const lines = [];
  const parts = [];
  for (let p = 0; p < PEOPLE; p++) {
    const n = 1 + Math.floor(random() * 19);
    let at = START + Math.floor(random() * 100 * DAY);
    for (let i = 0; i < n; i++) {
      const name = Math.floor(random() ** 2 * NAMES);
      lines.push(`${p},${at},${name + 1}`);
      at += Math.floor(random() * 3 * DAY);
    }
    events += n;
    if (lines.length > 200_000) parts.push(lines.splice(0).join('\n'));
  }
  parts.push(lines.join('\n'));
  writeFileSync(csv, parts.join('\n') + '\n');
  parts.length = 0;
  {
    const instance = await DuckDBInstance.create(file);
    const db = await instance.connect();
    await db.run(`
      ${PROJECTION_SCHEMA}
      INSERT INTO projection_meta VALUES (1, ${events});
      INSERT INTO event_names SELECT range + 1, 'e' || range FROM range(${NAMES});
      INSERT INTO persons SELECT range, 'profile-' || range, -1, false FROM range(${PEOPLE});
      INSERT INTO events (position, at_ms, name_id, person, received_ms)
        SELECT row_number() OVER (ORDER BY at_ms, person), at_ms, name_id, person, at_ms
        FROM read_csv('${csv}', header = false,
          columns = {'person': 'INTEGER', 'at_ms': 'DOUBLE', 'name_id': 'INTEGER'})
        ORDER BY at_ms, person;
      CHECKPOINT;`);
    db.closeSync();
    instance.closeSync();
  }
  rmSync(csv);
  console.error(
    `${PEOPLE} people, ${events} events generated in ${seconds(generated).toFixed(1)} s`,
  );

  const counter = await DuckDBInstance.create(':memory:');
  const countDb = await counter.connect();
  await countDb.run(
    `ATTACH '${file}' AS p (READ_ONLY); CREATE TABLE events AS SELECT name_id FROM p.events; DETACH p`,
  );

  // 2. The projection opened as a server opens it; its people read again from a store (here a
  // map: every profile live, none refusing analytics) before the first report.
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
    indexMaxEvents: INDEX ? 100_000_000 : 0,
  });
  await projection.catchUp(); // after the index's load, queued at open
  const recheckSeconds = seconds(opened);
  const recheckCpu = cpuSeconds(openedCpu);
  console.error(
    `index ${INDEX ? 'on' : 'off'}: loaded and people read again in ${recheckSeconds.toFixed(1)} s (${recheckCpu.toFixed(1)} CPU s), RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`,
  );

  const log = { read: async () => [] };
  const deps = { log, profiles, projection: () => projection };
  const funnels = new FunnelService(deps);
  const retention = new RetentionService({ ...deps, now: () => START + 200 * DAY });
  const steps = (m) => Array.from({ length: m }, (_, k) => ({ event: `e${k}` }));
  const time = async (run) => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const result = await run();
    return { seconds: seconds(started), cpu: cpuSeconds(cpu), result };
  };
  const both = (t) => `${t.seconds.toFixed(2)} s (${t.cpu.toFixed(2)} CPU)`;
  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    // DuckDB's own scan: the 4-step funnel's rows counted where they are (in a copy of the
    // file's events, made before the projection locked the file).
    const count = await time(async () => {
      const rows = await countDb.runAndReadAll(
        'SELECT count(*) FROM events WHERE name_id IN (1, 2, 3, 4)',
      );
      return Number(rows.getRows()[0]?.[0] ?? 0);
    });
    const scan = INDEX
      ? undefined
      : await time(async () => {
          const result = await projection.columns((name) => (name === 'e0' ? 1 : 0), {
            all: false,
            keep: () => true,
          });
          return result.at.length;
        });
    const four = await time(() => funnels.funnel({ steps: steps(4), windowDays: 30 }));
    const twenty = await time(() => funnels.funnel({ steps: steps(20), windowDays: 30 }));
    const matrix = await time(() =>
      retention.retention({
        start: { event: 'e0' },
        return: { event: '*' },
        period: 'week',
        periods: 12,
      }),
    );
    rounds.push({ count, scan, four, twenty, matrix });
    console.log(
      `round ${round + 1}: reference: DuckDB counting ${count.result} rows ${both(count)}` +
        (scan === undefined ? '' : `, step-1 rows out of DuckDB, grouped ${both(scan)}`) +
        `; 4-step ${both(four)}; 20-step ${both(twenty)}; ` +
        `12-week retention ${both(matrix)}; load ${loadavg()[0].toFixed(1)}`,
    );
  }
  await projection.close();
  countDb.closeSync();
  counter.closeSync();
  const last = rounds[rounds.length - 1];
  const { rss } = process.memoryUsage();
  console.log(
    JSON.stringify(
      {
        people: PEOPLE,
        events,
        index: INDEX,
        firstCatchUpSeconds: recheckSeconds,
        firstCatchUpCpuSeconds: recheckCpu,
        rounds: rounds.map((r) => ({
          duckdbCountSeconds: [r.count.seconds, r.count.cpu],
          referenceSeconds: r.scan === undefined ? undefined : [r.scan.seconds, r.scan.cpu],
          fourStepSeconds: [r.four.seconds, r.four.cpu],
          twentyStepSeconds: [r.twenty.seconds, r.twenty.cpu],
          retentionSeconds: [r.matrix.seconds, r.matrix.cpu],
        })),
        fourStepReached: last.four.result.steps.map((s) => s.count),
        twentyStepReached: last.twenty.result.steps.map((s) => s.count),
        retentionPeople: last.matrix.result.people,
        retentionCohorts: last.matrix.result.cohorts.length,
        loadAverage: loadavg(),
        rssMB: Math.round(rss / 2 ** 20),
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
