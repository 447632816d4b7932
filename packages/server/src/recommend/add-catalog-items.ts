import {
  addId,
  embedText,
  indexOfId,
  itemText,
  recommenderFrom,
  type CatalogItem,
  type ContentVectors,
} from '@tailor/core';
import { contentParameters } from './fit-recommender.js';
import type { TrainedRecommender } from './recommender-training.js';

/**
 * Catalogue items given after a content model (or a blend with a content part) was trained,
 * taken into it at once (docs/recommendations.md, "Cold start of new items"): a new item becomes
 * an item of the model, its text embedded with the trained vocabulary and idf as training would
 * have; an item whose text changed is embedded again. The model is made again over the grown
 * item list (its per-item arrays: popularity, where the new items are 0, the scores, the rules'
 * facts). The other parts of a blend know nothing of a new item (EASE, item-kNN) and give it
 * nothing, so content alone ranks it. Answers the items whose entry in the HNSW index is to be
 * added, replaced or taken out (the caller does it a few at a time); none for a model searched
 * exactly, which reads the vectors themselves, nor for one without content.
 */
export function addCatalogItems(
  trained: TrainedRecommender,
  items: readonly CatalogItem[],
): number[] {
  const content = contentParameters(trained.parameters);
  if (content?.vocabulary === undefined) return [];
  const { dimensions } = content;
  const fresh = new Map<string, CatalogItem>();
  const touched: number[] = [];
  for (const item of items) {
    const index = indexOfId(trained.matrix.itemIds, item.id);
    if (index < 0) {
      fresh.set(item.id, item);
      continue;
    }
    const vector = embedText(content, itemText(item));
    const row = content.vectors.subarray(index * dimensions, (index + 1) * dimensions);
    const unchanged =
      vector === undefined
        ? content.known[index] !== 1
        : content.known[index] === 1 && same(row, vector);
    if (unchanged) continue;
    if (vector === undefined) row.fill(0);
    else row.set(vector);
    content.known[index] = vector === undefined ? 0 : 1;
    touched.push(index);
  }
  if (fresh.size > 0) touched.push(...grow(trained, content, [...fresh.values()]));
  return trained.contentIndex === undefined ? [] : touched;
}

/** Appends items to the model, with room to spare in the vectors; answers those with a vector. */
function grow(
  trained: TrainedRecommender,
  content: ContentVectors,
  fresh: readonly CatalogItem[],
): number[] {
  const { dimensions } = content;
  const before = trained.matrix.itemIds.length;
  const after = before + fresh.length;
  if (after > content.known.length) {
    // A bulk feed adds a batch at a time: an eighth more each time, not a copy per batch.
    const capacity = Math.max(after, Math.ceil(content.known.length * 1.125) + 1024);
    const vectors = new Float32Array(capacity * dimensions);
    vectors.set(content.vectors.subarray(0, before * dimensions));
    const known = new Uint8Array(capacity);
    known.set(content.known.subarray(0, before));
    content.vectors = vectors;
    content.known = known;
  }
  // The table grows in place (with room to spare, as the vectors do): nothing else holds it.
  const { itemIds } = trained.matrix;
  const withVector: number[] = [];
  fresh.forEach((item) => {
    const index = addId(itemIds, item.id);
    const vector = embedText(content, itemText(item));
    if (vector === undefined) return;
    content.vectors.set(vector, index * dimensions);
    content.known[index] = 1;
    withVector.push(index);
  });
  const { facts } = trained;
  const unavailable = new Uint8Array(after);
  unavailable.set(facts.unavailable);
  const category = new Int32Array(after).fill(-1);
  category.set(facts.category);
  let boost: Float64Array | undefined;
  if (facts.boost !== undefined) {
    boost = new Float64Array(after).fill(1);
    boost.set(facts.boost);
  }
  // The caller sets the new items' facts (availability, category, boost) as for any item given.
  trained.facts = {
    unavailable,
    category,
    categories: facts.categories,
    ...(boost !== undefined && { boost }),
  };
  trained.scratch = new Float64Array(after);
  trained.recommender = recommenderFrom(
    trained.matrix,
    trained.parameters,
    trained.options,
    trained.search,
  );
  return withVector;
}

function same(a: Float32Array, b: Float32Array): boolean {
  for (let d = 0; d < a.length; d++) if (a[d] !== b[d]) return false;
  return true;
}
