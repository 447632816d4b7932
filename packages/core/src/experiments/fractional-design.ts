import type { Factor } from './factorial-cells.js';

/**
 * Two-level fractional factorial designs 2^(k−p), from the usual minimum-aberration generators
 * (Box, Hunter & Hunter 2005, table 6.22; Montgomery, Design and Analysis of Experiments, table
 * 8.14). Per number of factors k, the designs from fewest runs up: each generated factor (the last
 * p, in order) is the product of base factors (by index), i.e. its level is the exclusive or of
 * theirs, level 0 and 1 as −1 and +1: the principal fraction.
 */
const DESIGNS: Record<number, { resolution: number; generators: number[][] }[]> = {
  3: [{ resolution: 3, generators: [[0, 1]] }],
  4: [{ resolution: 4, generators: [[0, 1, 2]] }],
  5: [
    {
      resolution: 3,
      generators: [
        [0, 1],
        [0, 2],
      ],
    },
    { resolution: 5, generators: [[0, 1, 2, 3]] },
  ],
  6: [
    {
      resolution: 3,
      generators: [
        [0, 1],
        [0, 2],
        [1, 2],
      ],
    },
    {
      resolution: 4,
      generators: [
        [0, 1, 2],
        [1, 2, 3],
      ],
    },
    { resolution: 6, generators: [[0, 1, 2, 3, 4]] },
  ],
};

export type FractionalDesign =
  { ok: true; factors: Factor[]; resolution: number; runs: number } | { ok: false; error: string };

/**
 * The fewest-run fraction of at least `resolution` for two-level factors: the factors with the
 * last ones' `generator` set (the base factors they are the product of). Refused when a factor
 * has other than two levels or when no fraction of that resolution exists for so few factors.
 */
export function fractionalDesign(factors: readonly Factor[], resolution: number): FractionalDesign {
  if (factors.some((f) => f.levels.length !== 2))
    return { ok: false, error: 'a fractional design needs factors of exactly two levels' };
  const k = factors.length;
  const design = (DESIGNS[k] ?? []).find((d) => d.resolution >= resolution);
  if (design === undefined)
    return {
      ok: false,
      error: `no fraction of resolution ${resolution} or more for ${k} two-level factors: run the full factorial`,
    };
  const base = k - design.generators.length;
  return {
    ok: true,
    resolution: design.resolution,
    runs: 2 ** base,
    factors: factors.map((f, i) =>
      i < base
        ? f
        : {
            ...f,
            generator: (design.generators[i - base] ?? []).map((j) => factors[j]?.name ?? ''),
          },
    ),
  };
}

/** A design's resolution: the length of the shortest word of its defining relation (full: Infinity). */
export function designResolution(factors: readonly Factor[]): number {
  const words = factors
    .filter((f) => f.generator !== undefined)
    .map((f) => new Set([f.name, ...(f.generator ?? [])]));
  let shortest = Infinity;
  for (let mask = 1; mask < 2 ** words.length; mask++) {
    const word = new Set<string>();
    words.forEach((w, i) => {
      if (!(mask & (2 ** i))) return;
      for (const letter of w)
        if (word.has(letter)) word.delete(letter);
        else word.add(letter);
    });
    shortest = Math.min(shortest, word.size);
  }
  return shortest;
}
