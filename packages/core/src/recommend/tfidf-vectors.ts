/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range */

/**
 * Documents as TF-IDF rows (CSR): the terms of document d are `terms[start[d] .. start[d + 1])`,
 * ascending, with their weights in `values`; `vocabulary[t]` is term t (in plain string order).
 */
export interface TfidfVectors {
  vocabulary: readonly string[];
  /** Each term's smoothed idf, by its index in `vocabulary` (new documents are weighted by it). */
  idf: Float64Array;
  start: Int32Array;
  terms: Int32Array;
  values: Float64Array;
}

/** Runs of 2+ letters, digits or underscores: scikit-learn's default token pattern `(?u)\b\w\w+\b`. */
const TOKEN = /[\p{L}\p{N}_]{2,}/gu;

/** The lower-cased tokens of a text, as scikit-learn's TfidfVectorizer reads them by default. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * TF-IDF as scikit-learn's TfidfVectorizer with its defaults: raw term counts times the smoothed
 * idf ln((1 + n) / (1 + df)) + 1, each row scaled to unit length (an empty document stays empty).
 */
export function tfidfVectors(documents: readonly string[]): TfidfVectors {
  const counts = documents.map((text) => {
    const row = new Map<string, number>();
    for (const token of tokenize(text)) row.set(token, (row.get(token) ?? 0) + 1);
    return row;
  });
  const df = new Map<string, number>();
  for (const row of counts) for (const term of row.keys()) df.set(term, (df.get(term) ?? 0) + 1);
  const vocabulary = [...df.keys()].sort(byString);
  const index = new Map(vocabulary.map((term, t) => [term, t]));
  const n = documents.length;
  const idf = Float64Array.from(vocabulary, (term) => Math.log((1 + n) / (1 + df.get(term)!)) + 1);
  const start = new Int32Array(n + 1);
  for (let d = 0; d < n; d++) start[d + 1] = start[d]! + counts[d]!.size;
  const terms = new Int32Array(start[n]!);
  const values = new Float64Array(start[n]!);
  counts.forEach((row, d) => {
    const entries = [...row].map(([term, count]) => [index.get(term)!, count] as const);
    entries.sort((a, b) => a[0] - b[0]);
    let norm = 0;
    let at = start[d]!;
    for (const [t, count] of entries) {
      const value = count * idf[t]!;
      terms[at] = t;
      values[at++] = value;
      norm += value * value;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let p = start[d]!; p < start[d + 1]!; p++) values[p]! *= scale;
  });
  return { vocabulary, idf, start, terms, values };
}
