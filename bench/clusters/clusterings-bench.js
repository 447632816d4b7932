// A clustering of stored profiles end to end (npm run bench:clusterings, issue 16).
//   BENCH_PROFILES profiles (default 1,000,000), each made by one identify with ten numeric traits
//   (eight Gaussian groups), folded by the profile pipeline into a SQLite profile store. Then the
//   server's training job (ClusteringTrainingJob, as POST /v1/clusterings/NAME/train runs it: pages
//   of 2,000 live profiles read by ProfileReader.scanFeatures, features taken from the traits, mini-batch k-means with k = 8,
//   personas and stable ids) and the recording of the model and every assignment
//   (state.sqlite). The reference, measured in the same run: core's clusterFeatures alone on the
//   same table, in memory. The ratio says what reading profiles and recording assignments add to
//   the fit. The process's memory is sampled during the read: it holds one page of profiles and
//   the growing table (80 bytes a profile for ten features), not the profiles.
// Needs the built server (npm run build). Env: BENCH_PROFILES (1000000); BENCH_LIVE=1 also times
// reading whole profiles through ProfileReader.live, the read the job made before scanFeatures.
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterFeatures, DEFAULT_IDENTITY_RULES } from '@tailor/core';
import { SqliteEventLog } from '../../packages/server/dist/log/sqlite/sqlite-event-log.js';
import { ProfilePipeline } from '../../packages/server/dist/pipeline/profile-pipeline.js';
import { openSqliteProfileStore } from '../../packages/server/dist/store/sqlite/sqlite-profile-store.js';
import { openSqliteClusteringStore } from '../../packages/server/dist/store/sqlite/sqlite-clustering-store.js';
import { ClusteringTrainingJob } from '../../packages/server/dist/clusters/clustering-training.js';

const PROFILES = Number(process.env.BENCH_PROFILES ?? 1_000_000);
const COLUMNS = 10;
const GROUPS = 8;

let seed = 11;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const centres = Array.from({ length: GROUPS }, () =>
  Array.from({ length: COLUMNS }, () => random() * 20 - 10),
);
const seconds = (started) => (performance.now() - started) / 1000;
const mb = (bytes) => Math.round(bytes / 1e6);
const fmt = (n) => Math.round(n).toLocaleString('en-US');

const clock = Date.UTC(2026, 11, 5);
function identify(i) {
  const centre = centres[i % GROUPS];
  const traits = {};
  for (let j = 0; j < COLUMNS; j++)
    traits[`f${j}`] = Math.round((centre[j] + gaussian()) * 1000) / 1000;
  const timestamp = new Date(clock + i).toISOString();
  return {
    messageId: `c-${i}`,
    type: 'identify',
    userId: `user-${i}`,
    anonymousId: null,
    traits,
    timestamp,
    receivedAt: timestamp,
    context: {},
    tailor: { source: 'key:bench' },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'tailor-bench-clusterings-'));
try {
  const log = new SqliteEventLog(join(dir, 'log.sqlite'));
  const profiles = openSqliteProfileStore(join(dir, 'state.sqlite'));
  const clusterings = openSqliteClusteringStore(join(dir, 'state.sqlite'));
  const pipeline = new ProfilePipeline({
    log,
    store: profiles,
    rules: DEFAULT_IDENTITY_RULES,
    policy: { sourcePriority: [] },
    batchSize: 1000,
  });
  let started = performance.now();
  for (let i = 0; i < PROFILES; i += 5000) {
    const batch = [];
    for (let k = i; k < Math.min(PROFILES, i + 5000); k++) batch.push(identify(k));
    await log.append(batch);
  }
  await pipeline.catchUp();
  console.log(
    `${fmt(PROFILES)} profiles made (identify, folded) in ${seconds(started).toFixed(1)} s`,
  );

  const definition = {
    name: 'bench',
    features: Array.from({ length: COLUMNS }, (_, j) => `traits.f${j}`),
    k: 8,
    scale: 'standard',
    version: 1,
    createdAt: new Date(clock).toISOString(),
    updatedAt: new Date(clock).toISOString(),
  };
  global.gc?.();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  const job = new ClusteringTrainingJob(definition, undefined, { profiles, now: () => clock });
  // CPU seconds beside wall seconds: on a shared machine the wall time also counts waiting for a core.
  const cpu = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  };
  const cpuStart = cpu();
  let readCpu = 0;
  started = performance.now();
  let readSeconds = 0;
  for (;;) {
    const step = await job.step();
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (step.finished) break;
    readSeconds = seconds(started);
    readCpu = cpu() - cpuStart;
  }
  const trainSeconds = seconds(started);
  const trainCpu = cpu() - cpuStart;
  const { model, assignments } = job.result;
  const saving = performance.now();
  await clusterings.saveModel(model, assignments);
  const saveSeconds = seconds(saving);
  const total = trainSeconds + saveSeconds;
  const totalCpu = cpu() - cpuStart;
  console.log(
    `training job: read ${fmt(model.rows)} profiles in ${readSeconds.toFixed(1)} s, ` +
      `fit and personas ${(trainSeconds - readSeconds).toFixed(1)} s; assignments recorded in ` +
      `${saveSeconds.toFixed(1)} s; ${total.toFixed(1)} s in all (k ${model.k}, ` +
      `silhouette ${model.silhouette?.toFixed(4)}, sizes ${model.clusters.map((c) => c.size).join(' ')})`,
  );
  console.log(
    `CPU seconds (this process): read ${readCpu.toFixed(1)}, fit and personas ` +
      `${(trainCpu - readCpu).toFixed(1)}, recording ${(totalCpu - trainCpu).toFixed(1)}, ` +
      `${totalCpu.toFixed(1)} in all; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  );
  console.log(
    `memory: rss ${mb(before.rss)} MB before, peak ${mb(peakRss)} MB during the job ` +
      `(+${mb(peakRss - before.rss)} MB; the table is ${mb(PROFILES * COLUMNS * 8)} MB)`,
  );

  // The reference: the same fit on the same table in memory, nothing read or written. The table
  // is read again through the same population scan the job uses, timed alone.
  const values = new Float64Array(PROFILES * COLUMNS);
  const { profileIds } = assignments;
  const byId = new Set(profileIds);
  let row = 0;
  const reading = performance.now();
  const readingCpu = cpu();
  for (let cursor = ''; ;) {
    const page = await profiles.scanFeatures(cursor, 2000);
    for (const p of page.profiles) {
      if (!byId.has(p.id)) continue;
      for (let j = 0; j < COLUMNS; j++) values[row * COLUMNS + j] = p.traits[`f${j}`].value;
      row++;
    }
    if (page.next === null) break;
    cursor = page.next;
  }
  console.log(
    `profiles alone: ${fmt(row)} read through ProfileReader.scanFeatures (pages of 2,000) in ${seconds(reading).toFixed(1)} s (${(cpu() - readingCpu).toFixed(1)} CPU s)`,
  );
  if (process.env.BENCH_LIVE === '1') {
    // The read the job made before scanFeatures: whole profiles in creation order.
    const live = performance.now();
    let n = 0;
    for (let cursor = 0; ;) {
      const page = await profiles.live(cursor, 2000);
      n += page.profiles.length;
      if (page.next === null) break;
      cursor = page.next;
    }
    console.log(
      `whole profiles: ${fmt(n)} read through ProfileReader.live (pages of 2,000) in ${seconds(live).toFixed(1)} s`,
    );
  }
  started = performance.now();
  const referenceCpu = cpu();
  const reference = clusterFeatures(
    { values, rows: row, columns: COLUMNS },
    { k: 8, scale: 'standard', seed: 0 },
  );
  const fitSeconds = seconds(started);
  const fitCpu = cpu() - referenceCpu;
  if (!reference.ok) throw new Error(reference.error);
  console.log(
    `reference: clusterFeatures alone on the same ${fmt(row)} rows in memory: ${fitSeconds.toFixed(1)} s ` +
      `(silhouette ${reference.value.silhouette?.toFixed(4)}; ${fitCpu.toFixed(1)} CPU s)`,
  );
  console.log(
    `ratio (training job with recording / fit alone): wall ${(total / fitSeconds).toFixed(1)}, ` +
      `CPU ${(totalCpu / fitCpu).toFixed(1)}`,
  );
  await clusterings.close();
  await profiles.close();
  await log.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
