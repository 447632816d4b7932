import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ModelDrift, ModelSchedule, ModelScore, ModelVersionInfo } from '@tailor/core';
import { modelsTrainCommand } from '../src/cli/models-command.js';
import type { ModelTraining } from '../src/models/model.schema.js';
import { ADMIN_KEY, startTestTailor, type TestTailor } from './support/test-tailor.js';
import { webhookConfig } from './support/webhook-config.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

let t: TestTailor;
let hooks: WebhookReceiver | undefined;
let closed = false;
const DAY = 86_400_000;
const clock = Date.UTC(2026, 10, 29, 12);
afterEach(async () => {
  if (!closed) await t.close();
  closed = false;
  await hooks?.close();
  hooks = undefined;
});

const at = (daysAgo: number) => new Date(clock - daysAgo * DAY).toISOString();
const track = (userId: string, event: string, daysAgo: number, properties = {}) => ({
  type: 'track',
  event,
  userId,
  properties,
  timestamp: at(daysAgo),
});

/**
 * 200 people with events 31 to 60 days ago; the latest event is 1 day ago, so the cutoff of a
 * 30-day label is 31 days ago. Half are engaged (8 page views before the cutoff, others 1), and
 * the label depends on it: 8 in 10 engaged people order in the window after the cutoff, 2 in 10
 * of the others, so the best possible AUC from that feature is 0.8. Everyone who orders also
 * views 20 pages after the cutoff: a feature reading past the cutoff would separate the labels
 * perfectly (AUC near 1).
 */
function shop(): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < 200; i++) {
    const user = `u${i}`;
    const engaged = i % 2 === 0;
    const views = engaged ? 8 : 1;
    for (let v = 0; v < views; v++) events.push(track(user, 'Page Viewed', 32 + v * 3));
    events.push({
      type: 'identify',
      userId: user,
      traits: { plan: i % 3 === 0 ? 'pro' : 'free' },
      timestamp: at(59),
    });
    const k = Math.floor(i / 2) % 10;
    const orders = engaged ? k < 8 : k < 2;
    if (orders) {
      events.push(track(user, 'Order Completed', 10, { revenue: 20 }));
      for (let v = 0; v < 20; v++) events.push(track(user, 'Page Viewed', 29 - v));
    }
  }
  events.push(track('late', 'Page Viewed', 1));
  return events;
}

const BUY = { type: 'propensity', label: { event: 'Order Completed', days: 30 } };

describe('the model registry', () => {
  it('defines, reads, replaces and deletes a model; refuses bad bodies and names', async () => {
    t = await startTestTailor({}, () => clock);
    const put = await t.admin('PUT', '/v1/models/buy', {
      ...BUY,
      horizonDays: 90,
      schedule: { retrainDays: 7 },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({
      name: 'buy',
      version: 1,
      type: 'propensity',
      horizonDays: 90,
    });
    const again = await t.admin('PUT', '/v1/models/buy', {
      ...BUY,
      label: { event: 'Order Completed', days: 14, where: 'properties.revenue > 10' },
    });
    expect(again.json()).toMatchObject({ version: 2, label: { days: 14 } });
    expect((await t.admin('GET', '/v1/models/buy')).json()).toMatchObject({ version: 2 });
    expect((await t.admin('GET', '/v1/models')).json().items).toHaveLength(1);

    expect(
      (await t.admin('PUT', '/v1/models/x', { type: 'uplift', label: BUY.label })).statusCode,
    ).toBe(400);
    expect(
      (await t.admin('PUT', '/v1/models/x', { ...BUY, label: { event: 'E', days: 0 } })).statusCode,
    ).toBe(400);
    const badWhere = await t.admin('PUT', '/v1/models/x', {
      ...BUY,
      label: { event: 'E', days: 3, where: 'revenue >>> 2' },
    });
    expect(badWhere.statusCode).toBe(400);
    expect((await t.admin('GET', '/v1/models/x')).statusCode).toBe(404);

    // The public write key reaches none of it.
    const stranger = await t.app.inject({
      method: 'GET',
      url: '/v1/models/buy',
      headers: { authorization: t.writeAuth },
    });
    expect(stranger.statusCode).toBe(403);

    expect((await t.admin('DELETE', '/v1/models/buy')).statusCode).toBe(204);
    expect((await t.admin('GET', '/v1/models/buy')).statusCode).toBe(404);
    expect((await t.admin('DELETE', '/v1/models/buy')).statusCode).toBe(404);
    expect((await t.admin('POST', '/v1/models/buy/train?wait=true')).statusCode).toBe(404);
  });

  it('trains point in time from the log: a real signal found, nothing after the cutoff read, versions promoted and rolled back', async () => {
    t = await startTestTailor({}, () => clock);
    await t.collect(shop());
    // One engaged orderer refuses analytics: left out of training.
    const refuser = (await t.admin('GET', '/v1/profiles?identifier=userId:u0')).json<{
      id: string;
    }>();
    expect(
      (
        await t.admin('PUT', `/v1/profiles/${refuser.id}/consent`, {
          purposes: { analytics: false },
        })
      ).statusCode,
    ).toBe(200);
    await t.tailor.pipeline.catchUp();
    expect((await t.admin('PUT', '/v1/models/buy', BUY)).statusCode).toBe(200);

    const trained = await t.admin('POST', '/v1/models/buy/train?wait=true');
    expect(trained.statusCode, trained.body).toBe(200);
    const v1 = trained.json<ModelVersionInfo>();
    expect(v1).toMatchObject({ version: 1, promoted: true, cutoff: at(31), labelEnd: at(1) });
    // 199 people with events by the cutoff ('late' has none; u0 refused).
    expect(v1.rows).toBe(199);
    expect(v1.positives).toBe(99);
    expect(v1.metrics.folds).toBe(5);
    expect(v1.metrics.auc).toBeGreaterThan(0.7);
    expect(v1.metrics.auc).toBeLessThan(0.9); // a leak of the 20 views after the cutoff would give ~1
    expect(v1.metrics.reliability.reduce((s, b) => s + b.count, 0)).toBe(199);
    expect(v1.features).toContain('count_30d:Page Viewed');
    expect(v1.features).toContain('trait:plan');

    const v2 = (await t.admin('POST', '/v1/models/buy/train?wait=true')).json<ModelVersionInfo>();
    expect(v2).toMatchObject({ version: 2, promoted: false });
    const promoted = await t.admin('POST', '/v1/models/buy/promote', { version: 2 });
    expect(promoted.json()).toMatchObject({ promoted: 2 });
    const back = await t.admin('POST', '/v1/models/buy/promote', { version: 1 });
    expect(back.json()).toMatchObject({ promoted: 1 });
    expect((await t.admin('POST', '/v1/models/buy/promote', { version: 9 })).statusCode).toBe(404);
    const versions = (await t.admin('GET', '/v1/models/buy/versions')).json<{
      items: ModelVersionInfo[];
    }>();
    expect(versions.items.map((v) => [v.version, v.promoted])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(versions.items[0]).not.toHaveProperty('classifier');
  });

  it('trains as a job: 202 with the run, its phase and progress readable until the version is recorded', async () => {
    t = await startTestTailor({}, () => clock);
    await t.collect(shop());
    expect((await t.admin('GET', '/v1/models/buy/training')).statusCode).toBe(404);
    await t.admin('PUT', '/v1/models/buy', BUY);
    expect((await t.admin('GET', '/v1/models/buy/training')).statusCode).toBe(404); // never trained

    const started = await t.admin('POST', '/v1/models/buy/train');
    expect(started.statusCode, started.body).toBe(202);
    expect(started.headers.location).toBe('/v1/models/buy/training');
    const run = started.json<ModelTraining>();
    expect(run).toMatchObject({ model: 'buy', status: 'running' });
    expect(['read', 'resolve', 'fit']).toContain(run.phase);
    expect(run.fraction).toBeGreaterThanOrEqual(0);
    expect(run.fraction).toBeLessThan(1);

    const seen: ModelTraining[] = [];
    await expect
      .poll(
        async () => {
          const now = (await t.admin('GET', '/v1/models/buy/training')).json<ModelTraining>();
          seen.push(now);
          return now.status;
        },
        { timeout: 60_000, interval: 20 },
      )
      .toBe('succeeded');
    const done = seen[seen.length - 1] as ModelTraining;
    expect(done).toMatchObject({ id: run.id, phase: 'done', fraction: 1 });
    expect(done.finishedAt).toBeDefined();
    expect(done.version).toMatchObject({ version: 1, promoted: true, rows: 200 });
    const fractions = seen.map((r) => r.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b)); // it only moves forward
    const versions = (await t.admin('GET', '/v1/models/buy/versions')).json<{
      items: ModelVersionInfo[];
    }>();
    expect(versions.items.map((v) => v.version)).toEqual([1]);

    // Two requests at once start one training.
    const [a, b] = await Promise.all([
      t.tailor.models.startTraining('buy'),
      t.tailor.models.startTraining('buy'),
    ]);
    expect(a.id).toBe(b.id);
    expect(a.id).not.toBe(run.id);
    expect((await t.admin('POST', '/v1/models/buy/train?wait=true')).json()).toMatchObject({
      version: 2,
    });
    await expect
      .poll(async () => (await t.admin('GET', '/v1/models/buy/training')).json<ModelTraining>())
      .toMatchObject({ id: a.id, status: 'succeeded', version: { version: 2 } });

    // A training that fails (too few people of a label) is answered 202, then reads as failed;
    // waited for, it is the 400 it always was.
    await t.admin('PUT', '/v1/models/rare', {
      type: 'propensity',
      label: { event: 'Never Happens', days: 30 },
    });
    const rare = await t.admin('POST', '/v1/models/rare/train');
    expect(rare.statusCode).toBe(202);
    await expect
      .poll(async () => (await t.admin('GET', '/v1/models/rare/training')).json<ModelTraining>(), {
        timeout: 60_000,
      })
      .toMatchObject({ status: 'failed', error: { code: 'invalid_request', status: 400 } });
    expect((await t.admin('POST', '/v1/models/rare/train?wait=true')).statusCode).toBe(400);
    // Deleting the model forgets its runs.
    await t.admin('DELETE', '/v1/models/rare');
    await t.admin('PUT', '/v1/models/rare', BUY);
    expect((await t.admin('GET', '/v1/models/rare/training')).statusCode).toBe(404);
  });

  it('leaves an erased person out of the next training', async () => {
    t = await startTestTailor({}, () => clock);
    await t.collect(shop());
    await t.admin('PUT', '/v1/models/buy', BUY);
    expect((await t.admin('POST', '/v1/models/buy/train?wait=true')).json()).toMatchObject({
      rows: 200,
    });
    const erase = await t.admin('POST', '/v1/privacy/erase', { identifier: 'userId:u2' });
    expect(erase.statusCode).toBe(202);
    await t.collect([]);
    expect((await t.admin('POST', '/v1/models/buy/train?wait=true')).json()).toMatchObject({
      rows: 199,
    });
  });

  it('tailor models train NAME trains from the data folder and prints the version', async () => {
    t = await startTestTailor({}, () => clock);
    await t.collect(shop());
    await t.admin('PUT', '/v1/models/buy', BUY);
    await t.app.close();
    await t.tailor.close();
    closed = true;
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => printed.push(line));
    try {
      await modelsTrainCommand('buy', { data: t.dir });
    } finally {
      log.mockRestore();
      rmSync(t.dir, { recursive: true, force: true });
    }
    expect(printed).toHaveLength(1);
    const version = JSON.parse(printed[0] as string) as ModelVersionInfo;
    expect(version).toMatchObject({ version: 1, promoted: true, rows: 200, positives: 100 });
    expect(version.metrics.auc).toBeGreaterThan(0.7);
  });

  it('tailor models train NAME --url trains on a running server, following the run', async () => {
    t = await startTestTailor({}, () => clock);
    await t.collect(shop());
    await t.admin('PUT', '/v1/models/buy', BUY);
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => printed.push(line));
    try {
      await modelsTrainCommand('buy', { url: address, key: ADMIN_KEY });
      await expect(modelsTrainCommand('buy', { url: address, key: 'not-a-key' })).rejects.toThrow(
        /POST train: 401/,
      );
    } finally {
      log.mockRestore();
    }
    expect(printed).toHaveLength(1);
    const version = JSON.parse(printed[0] as string) as ModelVersionInfo;
    expect(version).toMatchObject({ version: 1, promoted: true, rows: 200, positives: 100 });
    const run = (await t.admin('GET', '/v1/models/buy/training')).json<ModelTraining>();
    expect(run).toMatchObject({ status: 'succeeded', version: { version: 1 } });
  });

  it('scores every profile with the promoted version: on the profile, explained, in segments and decide rules, rolled back', async () => {
    t = await startTestTailor({ models: { registryCheckSeconds: 0 } }, () => clock);
    await t.collect(shop());
    await t.admin('PUT', '/v1/models/buy', BUY);
    const likely = await t.admin('PUT', '/v1/segments/likely_buyers', {
      definition: 'model.buy.score > 0.5',
    });
    expect(likely.statusCode, likely.body).toBe(200);
    await t.admin('PUT', '/v1/placements/banner', {
      items: [{ id: 'come-back', when: 'model.buy.score > 0.5', template: 'back' }],
      default: { id: 'generic', template: 'hello' },
    });
    expect((await t.admin('POST', '/v1/models/buy/train?wait=true')).json()).toMatchObject({
      version: 1,
    });
    await t.collect([]); // the upkeep scores everyone

    type Scored = { id: string; segments: string[]; scores: Record<string, ModelScore> };
    const read = async (user: string, explain = false) =>
      (
        await t.admin(
          'GET',
          `/v1/profiles?identifier=userId:${user}${explain ? '&explain=true' : ''}`,
        )
      ).json<Scored>();
    // u0 is engaged (8 views before the cutoff and 20 lately), u1 is not.
    const engaged = await read('u0');
    const idle = await read('u1');
    const other = await read('u2');
    expect(Object.keys(engaged.scores.buy ?? {}).sort()).toEqual(['score', 'scoredAt', 'version']);
    expect(engaged.scores.buy).toMatchObject({
      version: 1,
      scoredAt: new Date(clock).toISOString(),
    });
    expect(engaged.scores.buy?.score).toBeGreaterThan(idle.scores.buy?.score ?? 1);
    for (const p of [engaged, idle])
      expect(p.segments.includes('likely_buyers')).toBe((p.scores.buy?.score ?? 0) > 0.5);
    const members = (await t.admin('GET', '/v1/segments/likely_buyers/members')).json<{
      count: number;
    }>();
    expect(members.count).toBeGreaterThan(0);
    expect(members.count).toBeLessThan(201);

    // The explanation: the intercept, the five largest terms and the rest add up to the log-odds.
    const explained = (await read('u0', true)).scores.buy as ModelScore;
    expect(explained.contributions).toHaveLength(5);
    const logOdds =
      (explained.baseline ?? 0) +
      (explained.contributions ?? []).reduce((s, c) => s + c.contribution, 0) +
      (explained.rest ?? 0);
    expect(1 / (1 + Math.exp(-logOdds))).toBeCloseTo(explained.score, 10);
    expect(explained.contributions?.[0]?.feature).toMatch(/Page Viewed|events_|days_since/);

    // Decide rules read it too (with the write key: the item's id, not the score).
    const decision = async (user: string) =>
      (await t.post('/v1/decide', { userId: user, placements: ['banner'] })).json<{
        decisions: { itemId: string }[];
      }>().decisions[0]?.itemId;
    expect(await decision('u0')).toBe(
      (engaged.scores.buy?.score ?? 0) > 0.5 ? 'come-back' : 'generic',
    );
    expect(await decision('u1')).toBe(
      (idle.scores.buy?.score ?? 0) > 0.5 ? 'come-back' : 'generic',
    );

    // A second version promoted, then rolled back: everyone is scored by the one promoted.
    await t.admin('POST', '/v1/models/buy/train?wait=true');
    await t.admin('POST', '/v1/models/buy/promote', { version: 2 });
    await t.collect([]);
    expect((await read('u1')).scores.buy?.version).toBe(2);
    await t.admin('POST', '/v1/models/buy/promote', { version: 1 });
    await t.collect([]);
    expect((await read('u2')).scores.buy).toEqual(other.scores.buy);
    // Decisions shown to u1 are Tailor's own doing, not u1's: no feature reads them.
    expect((await read('u1')).scores.buy).toEqual(idle.scores.buy);

    // A person who refuses analytics is no longer scored; one who is erased is gone with theirs.
    await t.admin('PUT', `/v1/profiles/${idle.id}/consent`, { purposes: { analytics: false } });
    await t.collect([]);
    expect((await read('u1')).scores).toEqual({});
    await t.admin('POST', '/v1/privacy/erase', { identifier: 'userId:u0' });
    await t.collect([]);
    expect((await t.admin('GET', `/v1/profiles/${engaged.id}`)).statusCode).toBe(404);

    // Deleted: the scores go from everyone, and segments reading them empty.
    await t.admin('DELETE', '/v1/models/buy');
    await t.collect([]);
    expect((await read('u2')).scores).toEqual({});
    expect(
      (await t.admin('GET', '/v1/segments/likely_buyers/members')).json<{ count: number }>().count,
    ).toBe(0);
  });

  it('honours a configured consent purpose: people refusing it are neither learnt from nor scored', async () => {
    t = await startTestTailor(
      {
        privacy: { purposes: ['analytics', 'marketing', 'profiling'] },
        models: { purpose: 'profiling', registryCheckSeconds: 0 },
      },
      () => clock,
    );
    // u0 refuses profiling on their profile; u2's own messages say no to it.
    const events = shop().map((e) =>
      e.userId === 'u2'
        ? { ...e, context: { consent: { categoryPreferences: { profiling: false } } } }
        : e,
    );
    await t.collect(events);
    const u0 = (await t.admin('GET', '/v1/profiles?identifier=userId:u0')).json<{ id: string }>();
    const refused = await t.admin('PUT', `/v1/profiles/${u0.id}/consent`, {
      purposes: { profiling: false },
    });
    expect(refused.statusCode, refused.body).toBe(200);
    await t.tailor.pipeline.catchUp();
    await t.admin('PUT', '/v1/models/buy', BUY);
    const v1 = (await t.admin('POST', '/v1/models/buy/train?wait=true')).json<ModelVersionInfo>();
    // 200 people with events by the cutoff, less u0 (refused) and u2 (every message refused).
    expect(v1.rows).toBe(198);
    await t.collect([]); // the upkeep scores everyone
    const scores = async (user: string) =>
      (await t.admin('GET', `/v1/profiles?identifier=userId:${user}`)).json<{
        scores: Record<string, ModelScore>;
      }>().scores;
    expect(await scores('u0')).toEqual({});
    expect(await scores('u2')).toEqual({});
    expect((await scores('u4')).buy?.version).toBe(1);
    // u4 says no later: their score goes.
    const u4 = (await t.admin('GET', '/v1/profiles?identifier=userId:u4')).json<{ id: string }>();
    await t.admin('PUT', `/v1/profiles/${u4.id}/consent`, { purposes: { profiling: false } });
    await t.collect([]);
    expect(await scores('u4')).toEqual({});
  });

  it('reports fairness across a trait it does not learn from, and the drift of features and score since training', async () => {
    hooks = await startWebhookReceiver();
    t = await startTestTailor(webhookConfig(), () => clock);
    await t.admin('PUT', '/v1/destinations/ops', {
      type: 'webhook',
      url: `${hooks.base}/ops`,
      events: ['Model Drift Detected', 'Model Fairness Alert'],
      secret: 'ops-secret-0001',
    });
    // A trait following engagement (so the scores): its groups are selected unequally.
    const bands = Array.from({ length: 200 }, (_, i) => ({
      type: 'identify',
      userId: `u${String(i)}`,
      traits: { band: i % 2 === 0 ? 'engaged' : 'casual' },
      timestamp: at(58),
    }));
    await t.collect([...shop(), ...bands]);
    await t.admin('PUT', '/v1/models/buy', { ...BUY, fairness: { attribute: 'plan' } });
    await t.admin('PUT', '/v1/models/band', { ...BUY, fairness: { attribute: 'band' } });
    expect((await t.admin('GET', '/v1/models/buy/drift')).statusCode).toBe(409); // nothing trained
    const v1 = (await t.admin('POST', '/v1/models/buy/train?wait=true')).json<ModelVersionInfo>();
    expect(v1.features).not.toContain('trait:plan');
    const fairness = v1.metrics.fairness;
    // 200 people by the cutoff: every third has the pro plan.
    expect(fairness?.groups.map((g) => [g.group, g.count])).toEqual([
      ['free', 133],
      ['pro', 67],
    ]);
    expect(fairness?.groups.reduce((s, g) => s + g.positives, 0)).toBe(v1.positives);
    const [free, pro] = fairness?.groups ?? [];
    const rates = [free?.selectionRate ?? 0, pro?.selectionRate ?? 0];
    expect(fairness?.demographicParityRatio).toBeCloseTo(
      Math.min(...rates) / Math.max(...rates),
      12,
    );
    expect(fairness?.fourFifthsRule).toBe(
      Object.values(fairness?.disparateImpact ?? {}).every((r) => r >= 0.8),
    );

    // Since the cutoff, buyers viewed 20 pages each: the 30-day view counts moved, and the score.
    const drift = await t.admin('GET', '/v1/models/buy/drift');
    expect(drift.statusCode, drift.body).toBe(200);
    const report = drift.json<ModelDrift>();
    expect(report).toMatchObject({
      version: 1,
      rows: 201,
      computedAt: new Date(clock).toISOString(),
    });
    expect(report.features.map((f) => f.feature).sort()).toEqual(
      v1.features.filter((f) => report.features.some((r) => r.feature === f)).sort(),
    );
    const views = report.features.find((f) => f.feature === 'count_30d:Page Viewed');
    expect(views?.psi).toBeGreaterThan(0.25);
    expect(views?.ks).toBeGreaterThan(0.3);
    expect(report.drifted).toContain('count_30d:Page Viewed');
    expect(report.score.ks).toBeGreaterThan(0);
    const psis = report.features.map((f) => f.psi);
    expect(psis).toEqual([...psis].sort((a, b) => b - a));
    // No label window has passed since the version's cutoff: no outcome has matured yet.
    expect(report.matured).toBeNull();

    // A day later the latest event is now: the cutoff 30 days before it has its outcomes, and the
    // version's scores there are set against them (the orders 10 days ago).
    await t.collect([track('later', 'Page Viewed', 0)]);
    const matured = (await t.admin('GET', '/v1/models/buy/drift')).json<ModelDrift>().matured;
    expect(matured).toMatchObject({ cutoff: at(30), labelEnd: at(0), rows: 200 });
    expect(matured?.positives).toBe(v1.positives);
    // The signal gives an AUC of 0.8 at best; the version, fitted on these people, finds it.
    expect(matured?.auc).toBeGreaterThan(0.7);
    expect(matured?.brier).toBeGreaterThan(0);
    expect(matured?.brier).toBeLessThan(0.25);
    const bins = matured?.reliability ?? [];
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(200);
    expect(bins.reduce((n, b) => n + b.count * b.observedRate, 0)).toBeCloseTo(v1.positives, 9);

    // Alerts reach destinations: the drift found, and a version failing the four-fifths rule.
    const banded = (
      await t.admin('POST', '/v1/models/band/train?wait=true')
    ).json<ModelVersionInfo>();
    expect(banded.features).not.toContain('trait:band');
    expect(banded.metrics.fairness?.fourFifthsRule).toBe(false);
    await t.collect([], { drain: true });
    const alerts = hooks.received.map(
      (r) => JSON.parse(r.body) as { event: string; properties: Record<string, unknown> },
    );
    const driftAlert = alerts.find((a) => a.event === 'Model Drift Detected');
    expect(driftAlert?.properties).toMatchObject({ model: 'buy', version: 1 });
    expect(driftAlert?.properties['drifted']).toEqual(report.drifted);
    const fairnessAlert = alerts.filter((a) => a.event === 'Model Fairness Alert');
    expect(fairnessAlert.map((a) => a.properties['model'])).toEqual(['band']);
    expect(fairnessAlert[0]?.properties['failing']).toEqual(['casual']);
    // No profile was made for an alert: it is nobody's event.
    expect((await t.admin('GET', '/v1/profiles?identifier=userId:buy')).statusCode).toBe(404);
  });

  it('trains on its schedule and measures drift on its schedule, with the alert, and says where each stands', async () => {
    hooks = await startWebhookReceiver();
    let now = clock;
    t = await startTestTailor(
      { ...webhookConfig(), models: { scheduleCheckSeconds: 0 } },
      () => now,
    );
    await t.admin('PUT', '/v1/destinations/ops', {
      type: 'webhook',
      url: `${hooks.base}/ops`,
      events: ['Model Drift Detected'],
      secret: 'ops-secret-0001',
    });
    await t.collect(shop());
    const put = await t.admin('PUT', '/v1/models/buy', {
      ...BUY,
      schedule: { retrainDays: 7, driftHours: 24 },
    });
    expect(put.statusCode, put.body).toBe(200);
    const schedule = async () =>
      (await t.admin('GET', '/v1/models/buy/schedule')).json<ModelSchedule>();
    expect((await schedule()).retrain).toMatchObject({ next: at(0), lastTrainedAt: null });
    const versions = async () =>
      (await t.admin('GET', '/v1/models/buy/versions')).json<{ items: ModelVersionInfo[] }>().items;

    // Never trained: the upkeep trains it at once, and the first version is promoted.
    await t.tailor.pipeline.catchUp();
    const [v1] = await versions();
    expect(v1).toMatchObject({ version: 1, promoted: true, trainedBy: 'schedule', rows: 200 });
    expect(v1?.metrics.champion).toBeUndefined();
    expect(await schedule()).toEqual({
      retrain: {
        everyDays: 7,
        promote: 'better',
        lastTrainedAt: at(0),
        next: at(-7),
        last: { at: at(0), version: 1, promoted: true },
      },
      drift: { everyHours: 24, next: at(-1), last: null },
      running: null,
    });
    await t.tailor.pipeline.catchUp(); // nothing due
    expect(await versions()).toHaveLength(1);

    // A day later drift is measured: the buyers' page views after the cutoff moved the features.
    now = clock + DAY;
    await t.tailor.pipeline.catchUp();
    const measured = await schedule();
    expect(measured.drift?.last).toMatchObject({ at: at(-1), version: 1 });
    expect(measured.drift?.last?.drifted).toContain('count_30d:Page Viewed');
    expect(measured.drift?.next).toBe(at(-2));
    expect(await versions()).toHaveLength(1);
    await t.collect([], { drain: true });
    const alerts = hooks.received.map(
      (r) => JSON.parse(r.body) as { event: string; properties: Record<string, unknown> },
    );
    expect(alerts.map((a) => [a.event, a.properties['model']])).toEqual([
      ['Model Drift Detected', 'buy'],
    ]);
    expect(alerts[0]?.properties['drifted']).toEqual(measured.drift?.last?.drifted);

    // A week after version 1, version 2: measured against version 1 on the same new table, and
    // promoted only when its cross-validated AUC is at least version 1's there.
    now = clock + 7 * DAY;
    await t.tailor.pipeline.catchUp();
    const [, v2] = await versions();
    expect(v2).toMatchObject({ version: 2, trainedBy: 'schedule' });
    const champion = v2?.metrics.champion;
    expect(champion?.version).toBe(1);
    expect(champion?.auc).toBeGreaterThan(0.7);
    const better = (v2?.metrics.auc ?? 0) >= (champion?.auc ?? 1);
    expect(v2?.promoted).toBe(better);
    expect((await schedule()).retrain?.last).toEqual({
      at: at(-7),
      version: 2,
      promoted: better,
    });

    // promote: never keeps the promoted version whatever the new one measures.
    await t.admin('PUT', '/v1/models/buy', {
      ...BUY,
      schedule: { retrainDays: 7, promote: 'never' },
    });
    now = clock + 14 * DAY;
    await t.tailor.pipeline.catchUp();
    const after = await versions();
    expect(after.map((v) => v.version)).toEqual([1, 2, 3]);
    expect(after[2]?.promoted).toBe(false);
    expect((await schedule()).drift).toBeNull();
  });
});
