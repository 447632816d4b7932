import { describe, expect, it } from 'vitest';
import { buildInteractionMatrix } from './build-interaction-matrix.js';
import type { ItemContent } from './item-text.js';
import type { Interaction } from './recommend.schema.js';
import { fitParameters, recommendItems, recommenderFrom } from './train-recommender.js';

const DAY = 86_400_000;
const catalogue = new Map<string, ItemContent>([
  ['lantern', { name: 'White metal lantern', category: 'Lighting' }],
  ['tlight', { name: 'White hanging heart t-light holder', category: 'Lighting' }],
  ['candle', { name: 'Scented candle jar', category: 'Lighting' }],
  ['mug', { name: 'Red retrospot mug', category: 'Kitchen' }],
  ['teapot', { name: 'Red retrospot teapot', category: 'Kitchen' }],
  ['bag', { name: 'Jumbo bag red retrospot', category: 'Bags' }],
  // Nobody has had it yet: cold start.
  ['new-lantern', { name: 'Silver metal lantern', category: 'Lighting' }],
]);
const rows: Interaction[] = [
  { user: 'ann', item: 'lantern', time: 10 * DAY },
  { user: 'ann', item: 'tlight', time: 11 * DAY },
  { user: 'bob', item: 'mug', time: 10 * DAY },
  { user: 'bob', item: 'bag', time: 12 * DAY },
  { user: 'cy', item: 'mug', time: 9 * DAY },
  { user: 'cy', item: 'teapot', time: 12 * DAY },
];

function trained() {
  const matrix = buildInteractionMatrix(rows, catalogue.keys());
  const parameters = fitParameters(matrix, 'content', {}, { contentOf: catalogue });
  if (!parameters.ok) throw new Error(parameters.error);
  const recommender = recommenderFrom(matrix, parameters.value);
  const names = (user: string, k: number, recent: string[] = []) =>
    recommendItems(
      matrix,
      recommender,
      matrix.userIds.indexOf(user),
      k,
      undefined,
      recent.map((id) => matrix.itemIds.indexOf(id)),
    ).map((r) => matrix.itemIds[r.item]);
  return { matrix, recommender, names };
}

describe('content-based recommendations', () => {
  it('numbers the catalogue items nobody had with the others', () => {
    const { matrix } = trained();
    expect(matrix.itemIds).toEqual([...catalogue.keys()].sort());
    expect(matrix.userIds).toEqual(['ann', 'bob', 'cy']);
  });

  it("recommends the items nearest in text to a person's items, new ones included", () => {
    const { names } = trained();
    // Ann had two lights: the new lantern (no interactions) and the candle come first.
    expect(names('ann', 2)).toEqual(['new-lantern', 'candle']);
    // Bob had a red retrospot mug and bag: the teapot is the nearest.
    expect(names('bob', 1)).toEqual(['teapot']);
  });

  it('follows what a person had since training; an unknown one gets popular items', () => {
    const { names } = trained();
    expect(names('nobody', 1, ['teapot'])).toEqual(['mug']);
    // Popularity: the mug was had by two people.
    expect(names('nobody', 1)).toEqual(['mug']);
  });
});
