import { describe, expect, it } from 'vitest';
import { ProfileGraph, type GraphSnapshot, type ProfileState } from './profile-graph.js';
import { refreshScores } from './fold-derived.js';
import { compileDefinitions } from '../segments/compile-definitions.js';
import { parseCondition } from '../segments/parse-definition.js';
import { emptyDerivedState } from '../segments/update-derived.js';
import { emptyConsent } from '../privacy/consent.schema.js';
import type { ModelScore } from '../models/registry/model-definition.schema.js';

const NOW = Date.UTC(2026, 5, 1);

function graphWithOne(): { graph: ProfileGraph; profile: ProfileState } {
  const profile: ProfileState = {
    id: 'p1',
    rank: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    counts: new Map([['userId', 1]]),
    traits: {},
    groups: [],
    derived: emptyDerivedState(),
    consent: emptyConsent(),
  };
  const snapshot: GraphSnapshot = {
    identities: new Map(),
    profiles: new Map([['p1', profile]]),
    groups: new Map(),
    merged: new Map(),
  };
  return { graph: new ProfileGraph(snapshot), profile };
}

const score = (value: number, version = 1): ModelScore => ({
  score: value,
  version,
  scoredAt: new Date(NOW).toISOString(),
});

function segment(name: string, text: string) {
  const parsed = parseCondition(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return { name, tree: parsed.value };
}

describe('refreshScores: model scores in the segment language', () => {
  const plan = compileDefinitions(
    [],
    [
      segment('at_risk', 'model.churn.score > 0.7'),
      segment('at_risk_pro', 'in_segment("at_risk") and traits.plan = "pro"'),
      segment('buyers', 'model.buy.score >= 0.5'),
    ],
  );

  it('indexes the segments reading each model', () => {
    expect(plan.segmentsByModel.get('churn')).toEqual(['at_risk']);
    expect(plan.segmentsByModel.get('buy')).toEqual(['buyers']);
  });

  it('enters and exits the segments reading a score as it moves, and those reading them', () => {
    const { graph, profile } = graphWithOne();
    profile.traits = { plan: { value: 'pro', source: 'api', messageId: 'm', timestamp: '' } };
    refreshScores(graph, profile, { churn: score(0.9) }, plan, NOW);
    expect(profile.derived.segments.sort()).toEqual(['at_risk', 'at_risk_pro']);
    expect(profile.derived.scores).toEqual({ churn: score(0.9) });
    expect(graph.changes.memberships.map((m) => [m.segment, m.entered, m.cause])).toEqual([
      ['at_risk', true, 'model'],
      ['at_risk_pro', true, 'model'],
    ]);
    refreshScores(graph, profile, { churn: score(0.2, 2), buy: score(0.5) }, plan, NOW);
    expect(profile.derived.segments).toEqual(['buyers']);
    // A model left out loses its score (deleted, or the person refused analytics).
    refreshScores(graph, profile, {}, plan, NOW);
    expect(profile.derived.scores).toEqual({});
    expect(profile.derived.segments).toEqual([]);
  });

  it('reads a missing score as null: ordering comparisons fail, = null holds', () => {
    const withNull = compileDefinitions([], [segment('unscored', 'model.churn.score = null')]);
    const { graph, profile } = graphWithOne();
    refreshScores(graph, profile, { buy: score(0.4) }, withNull, NOW);
    expect(profile.derived.segments).toEqual([]); // churn did not change: not evaluated
    refreshScores(graph, profile, { churn: score(0.4) }, withNull, NOW);
    refreshScores(graph, profile, {}, withNull, NOW);
    expect(profile.derived.segments).toEqual(['unscored']);
  });
});
