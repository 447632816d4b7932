import { describe, expect, it } from 'vitest';
import {
  clusteringHash,
  definitionHash,
  destinationHash,
  experimentHash,
  modelHash,
  parseRoute,
  placementHash,
  profileHash,
  recommenderHash,
} from './use-hash-route.js';

describe('parseRoute', () => {
  it.each([
    ['', { page: 'overview' }],
    ['#/', { page: 'overview' }],
    ['#/nowhere', { page: 'overview' }],
    [profileHash('ann@example.com'), { page: 'profile', query: 'ann@example.com' }],
    ['#/experiments', { page: 'experiments' }],
    [experimentHash('check out/2'), { page: 'experiment', name: 'check out/2' }],
    ['#/experiments/%E0%A4%A', { page: 'experiments' }],
    ['#/attribution', { page: 'attribution', search: '' }],
    ['#/segments', { page: 'segments' }],
    ['#/journeys', { page: 'journeys' }],
    ['#/placements', { page: 'placements' }],
    ['#/privacy', { page: 'privacy' }],
    ['#/models', { page: 'models' }],
    ['#/destinations', { page: 'destinations' }],
    [destinationHash('crm.hook'), { page: 'destination', name: 'crm.hook' }],
    ['#/recommenders', { page: 'recommenders' }],
    [recommenderHash('similar/items'), { page: 'recommender', name: 'similar/items' }],
    ['#/clusters', { page: 'clusterings' }],
    [clusteringHash('rfm/2026'), { page: 'clustering', name: 'rfm/2026' }],
    [modelHash('churn 30d'), { page: 'model', name: 'churn 30d' }],
    ['#/funnel?step=A&step=B', { page: 'funnel', search: 'step=A&step=B' }],
    ['#/retention', { page: 'retention', search: '' }],
    ['#/keys', { page: 'keys' }],
    [placementHash('home hero/1'), { page: 'placement', name: 'home hero/1' }],
    ['#/placements/%E0%A4%A', { page: 'placements' }],
    [
      definitionHash('segment', 'vip buyers'),
      { page: 'definition', kind: 'segment', name: 'vip buyers' },
    ],
    [
      definitionHash('computed', 'revenue_30d'),
      { page: 'definition', kind: 'computed', name: 'revenue_30d' },
    ],
    ['#/segments/%E0%A4%A', { page: 'segments' }],
    [
      '#/attribution?conversion=Signed+Up&by=source',
      {
        page: 'attribution',
        search: 'conversion=Signed+Up&by=source',
      },
    ],
  ])('reads %s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });
});
