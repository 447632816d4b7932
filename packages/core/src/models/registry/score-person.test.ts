import { describe, expect, it } from 'vitest';
import { trainClassifier } from '../classify/train-classifier.js';
import { explainRow } from '../classify/explain-row.js';
import { pointInTimeFeatures, type TimedEvent } from '../point-in-time-features.js';
import { scorePerson, TOP_CONTRIBUTIONS } from './score-person.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);

/** People who buy often and recently are likelier to buy again (the label), with some noise. */
function person(i: number): { id: string; events: TimedEvent[]; label: 0 | 1 } {
  const visits = i % 9;
  const events: TimedEvent[] = [
    { at: NOW - 200 * DAY, traits: { plan: i % 3 === 0 ? 'pro' : 'free' } },
  ];
  for (let v = 0; v < visits; v++)
    events.push({ at: NOW - ((v * 11 + i) % 80) * DAY, event: 'Page Viewed', properties: {} });
  if (i % 4 === 0)
    events.push({
      at: NOW - (i % 30) * DAY,
      event: 'Order Completed',
      properties: { revenue: 20 + (i % 50) },
    });
  return { id: `p${String(i)}`, events, label: visits + (i % 5) > 7 ? 1 : 0 };
}

describe('scorePerson', () => {
  const people = Array.from({ length: 120 }, (_, i) => person(i));
  const table = pointInTimeFeatures(people, NOW);
  const labels = table.rows.map((r) => people.find((p) => p.id === r.id)?.label ?? 0);
  const rows = table.rows.map((r) =>
    Object.fromEntries(
      Object.entries(r.features).map(([k, v]) => [k, v === null ? '' : String(v)]),
    ),
  );
  const { classifier } = trainClassifier(rows, labels, table.columns);
  const version = { version: 2, classifier, countedEvents: table.events, horizonDays: 365 };

  it('scores a person as the same features would in a table, explained by its largest terms', () => {
    const one = people[7] as (typeof people)[number];
    const score = scorePerson(version, one.events, NOW);
    const row = table.rows.find((r) => r.id === one.id);
    const explained = explainRow(classifier, row?.features ?? {});
    expect(score?.score).toBeCloseTo(explained.score, 12);
    expect(score?.version).toBe(2);
    expect(score?.scoredAt).toBe(new Date(NOW).toISOString());
    expect(score?.contributions).toHaveLength(TOP_CONTRIBUTIONS);
    const sizes = (score?.contributions ?? []).map((c) => Math.abs(c.contribution));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    const smallestListed = Math.min(...sizes);
    const unlisted = explained.terms.filter(
      (t) => !(score?.contributions ?? []).some((c) => c.feature === t.feature),
    );
    for (const t of unlisted) expect(Math.abs(t.contribution)).toBeLessThanOrEqual(smallestListed);
    // baseline + listed + rest = the log-odds of the score
    const logOdds =
      (score?.baseline ?? 0) +
      (score?.contributions ?? []).reduce((s, c) => s + c.contribution, 0) +
      (score?.rest ?? 0);
    expect(logOdds).toBeCloseTo(Math.log((score?.score ?? 0) / (1 - (score?.score ?? 0))), 10);
  });

  it('reads only events inside the horizon and at or before now', () => {
    const one = people[8] as (typeof people)[number];
    const future: TimedEvent = { at: NOW + DAY, event: 'Page Viewed', properties: {} };
    const old: TimedEvent = {
      at: NOW - 400 * DAY,
      event: 'Order Completed',
      properties: { revenue: 1e6 },
    };
    expect(scorePerson(version, [...one.events, future, old], NOW)).toEqual(
      scorePerson(version, one.events, NOW),
    );
  });

  it('gives no score to a person with no event in the horizon', () => {
    expect(scorePerson(version, [], NOW)).toBeUndefined();
    expect(
      scorePerson(
        { ...version, horizonDays: 30 },
        [{ at: NOW - 60 * DAY, event: 'Page Viewed' }],
        NOW,
      ),
    ).toBeUndefined();
  });
});
