import type { Factor } from './factorial-cells.js';
import { designResolution } from './fractional-design.js';

/** A term of the factorial model: a main effect (one factor) or a two-way interaction. */
export interface FactorialTerm {
  /** `headline`, or `headline:image` for an interaction. */
  name: string;
  factors: string[];
}

/**
 * The model's terms: every main effect, then every two-way interaction, in the factors' order.
 * Interactions of three or more factors are not in the model (they fall in the residual); in a
 * fraction of resolution III or IV, nor are two-way interactions.
 */
export function factorialTerms(factors: readonly Factor[]): FactorialTerm[] {
  const terms: FactorialTerm[] = factors.map((f) => ({ name: f.name, factors: [f.name] }));
  // A fraction below resolution V aliases two-way interactions with main effects (III) or with
  // each other (IV): only the main effects are estimable.
  if (designResolution(factors) < 5) return terms;
  factors.forEach((a, i) => {
    for (const b of factors.slice(i + 1))
      terms.push({ name: `${a.name}:${b.name}`, factors: [a.name, b.name] });
  });
  return terms;
}

/**
 * A term's columns in treatment coding over the given rows (one per cell, `levels` its level of
 * each factor): an indicator per level but the first of a factor, the products of two factors'
 * indicators for an interaction.
 */
export function termColumns(
  term: FactorialTerm,
  factors: readonly Factor[],
  rows: readonly Readonly<Record<string, string>>[],
): Float64Array[] {
  let columns: Float64Array[] = [new Float64Array(rows.length).fill(1)];
  for (const name of term.factors) {
    const factor = factors.find((f) => f.name === name);
    if (factor === undefined) continue;
    const next: Float64Array[] = [];
    for (const column of columns)
      for (const level of factor.levels.slice(1))
        next.push(column.map((x, i) => (rows[i]?.[name] === level.id ? x : 0)));
    columns = next;
  }
  return columns;
}

/**
 * Type II nesting: for a term T, the model without T and without the terms containing it, then the
 * same with T added. Their difference is T's sum of squares (or deviance) adjusted for every term
 * that does not contain it.
 */
export function typeTwoModels(
  term: FactorialTerm,
  terms: readonly FactorialTerm[],
): { reduced: FactorialTerm[]; full: FactorialTerm[] } {
  const contains = (t: FactorialTerm) => term.factors.every((f) => t.factors.includes(f));
  const reduced = terms.filter((t) => !contains(t));
  return { reduced, full: [...reduced, term] };
}
