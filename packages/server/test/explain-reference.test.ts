import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { binaryLabel, explainRow, trainClassifier } from '@tailor/core';

/**
 * Score explanations against scikit-learn (test/fixtures/explain: the reference and the script
 * that made it): the same churn table prepared by scikit-learn's own transformers, each input's
 * term coef × transformed value, adding up with the intercept to decision_function.
 */
const reference = JSON.parse(
  readFileSync(new URL('fixtures/explain/explain.reference.json', import.meta.url), 'utf8'),
) as {
  intercept: number;
  rows: { id: string; terms: Record<string, number>; decision: number; probability: number }[];
};
const rows = parse<Record<string, string>>(
  readFileSync(new URL('fixtures/classify/synthetic-churn.csv', import.meta.url)),
  { columns: true },
);
const labels = rows.map((r) => binaryLabel(r['churn'] ?? '', 'churn'));

describe('explainRow against scikit-learn', () => {
  const { classifier } = trainClassifier(rows, labels, [
    'tenure',
    'monthly',
    'contract',
    'support',
    'region',
  ]);
  const byId = new Map(rows.map((r) => [r['id'], r]));

  it('gives each input the term coef × prepared value, adding up to the log-odds', () => {
    for (const expected of reference.rows) {
      const row = byId.get(expected.id) as Record<string, string>;
      const explained = explainRow(classifier, row);
      expect(explained.baseline).toBeCloseTo(reference.intercept, 6);
      expect(explained.terms.map((t) => t.feature).sort()).toEqual(
        Object.keys(expected.terms).sort(),
      );
      for (const term of explained.terms)
        expect(term.contribution).toBeCloseTo(expected.terms[term.feature] ?? Number.NaN, 6);
      const logOdds = explained.terms.reduce((s, t) => s + t.contribution, explained.baseline);
      expect(logOdds).toBeCloseTo(expected.decision, 6);
      expect(explained.score).toBeCloseTo(expected.probability, 8);
    }
  });

  it('shows each term with the raw value of its column (blank as null)', () => {
    const blank = rows.find((r) => r['monthly'] === '') as Record<string, string>;
    const terms = explainRow(classifier, blank).terms;
    expect(terms.find((t) => t.feature === 'monthly')?.value).toBeNull();
    expect(terms.find((t) => t.feature === 'monthly (blank)')?.contribution).not.toBe(0);
    expect(terms.find((t) => t.feature === 'contract=Two year')?.value).toBe(blank['contract']);
  });
});
