import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contentVectors } from './content-vectors.js';
import { itemText, type ItemContent } from './item-text.js';
import { contentProfile, nearestVectors } from './nearest-vectors.js';
import { tfidfVectors, tokenize } from './tfidf-vectors.js';

/** scikit-learn's TfidfVectorizer and exact cosine neighbours on recorded items (make-tfidf-reference.py). */
interface Reference {
  texts: string[];
  vocabulary: string[];
  rows: number[][];
  neighbours: Record<string, number[]>;
}
const read = (file: string): unknown =>
  JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8'));
const reference = read('./tfidf.reference.json') as Reference;
const items = read('./tfidf-items.json') as ItemContent[];

describe('tfidfVectors against scikit-learn', () => {
  const texts = items.map(itemText);
  const tfidf = tfidfVectors(texts);

  it('reads each item as name, category and brand', () => {
    expect(texts).toEqual(reference.texts);
  });

  it('has the vocabulary of TfidfVectorizer', () => {
    expect(tfidf.vocabulary).toEqual(reference.vocabulary);
  });

  it('has its rows, to 1e-9', () => {
    reference.rows.forEach((expected, d) => {
      const row = new Array<number>(expected.length).fill(0);
      for (let p = tfidf.start[d] ?? 0; p < (tfidf.start[d + 1] ?? 0); p++)
        row[tfidf.terms[p] ?? -1] = tfidf.values[p] ?? NaN;
      row.forEach((v, t) => {
        expect(Math.abs(v - (expected[t] ?? NaN))).toBeLessThan(1e-9);
      });
    });
  });

  it.each([
    ['Crème brûlée, 12ml', ['crème', 'brûlée', '12ml']],
    ['a b c', []],
    ['refill_gas T-LIGHT', ['refill_gas', 'light']],
    ['Größe—2x', ['größe', '2x']],
  ])('tokenizes %j as scikit-learn', (text, tokens) => {
    expect(tokenize(text)).toEqual(tokens);
  });
});

describe('content vectors (hashed TF-IDF) and their neighbours', () => {
  const content = contentVectors(tfidfVectors(items.map(itemText)));

  it('are unit vectors, zero for an item with no words', () => {
    const last = items.length - 1;
    expect(content.known[last]).toBe(0);
    expect(content.known.reduce((n, k) => n + k, 0)).toBe(items.length - 2);
    const first = content.vectors.subarray(0, content.dimensions);
    expect(first.reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 5);
  });

  // Hashing folds terms together, so its nearest items are the exact ones' near misses at worst:
  // measured as the exact cosine of the 5 it finds over that of scikit-learn's 5 (ties make the
  // plain overlap meaningless), and the mean error of all cosines (0.885 and 0.029 at 256 dims).
  it("keep the exact TF-IDF neighbours' similarity and every cosine close to TF-IDF's", () => {
    const exact = (a: number, b: number): number =>
      (reference.rows[a] ?? []).reduce((s, v, t) => s + v * (reference.rows[b]?.[t] ?? 0), 0);
    const { dimensions: dims, vectors } = content;
    const vectorOf = (i: number): Float32Array => vectors.slice(i * dims, (i + 1) * dims);
    let mine = 0;
    let best = 0;
    let error = 0;
    let pairs = 0;
    for (const [row, expected] of Object.entries(reference.neighbours)) {
      const item = Number(row);
      const query = vectorOf(item);
      const found = nearestVectors(content, query, 5, (i) => i === item);
      mine += found.reduce((s, n) => s + exact(item, n.item), 0);
      best += expected.reduce((s, j) => s + exact(item, j), 0);
      for (let j = 0; j < items.length; j++) {
        if (content.known[j] !== 1 || j === item) continue;
        const other = vectorOf(j);
        error += Math.abs(query.reduce((s, v, d) => s + v * (other[d] ?? 0), 0) - exact(item, j));
        pairs++;
      }
    }
    expect(mine / best).toBeGreaterThan(0.85);
    expect(error / pairs).toBeLessThan(0.035);
  });

  it('rank by a profile of several items, best first, skipping as told', () => {
    const lanterns = [1]; // WHITE METAL LANTERN
    const profile = contentProfile(content, lanterns);
    expect(profile).toBeDefined();
    const found = nearestVectors(content, profile ?? new Float32Array(), 3, (i) => i === 1);
    expect(found).toHaveLength(3);
    expect(found[0]?.similarity).toBeGreaterThanOrEqual(found[1]?.similarity ?? Infinity);
    expect(found.map((n) => n.item)).not.toContain(1);
    expect(contentProfile(content, [items.length - 1])).toBeUndefined();
  });
});
