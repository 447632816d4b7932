/** A factor of a factorial experiment: its levels, each with a split weight (≥ 0). */
export interface Factor {
  name: string;
  levels: readonly { id: string; weight: number }[];
  /**
   * In a fractional design: the base factors this one is the product of. Its level is not drawn
   * but follows theirs (the second level when an odd number of them are at their second level).
   */
  generator?: readonly string[];
}

/** One combination of levels (a cell): its id, each factor's level, and its expected share. */
export interface FactorialCell {
  id: string;
  levels: Record<string, string>;
  /** The product of the levels' normalized weights: the share of units the cell should get. */
  weight: number;
}

/** Separates factors in a cell id: `headline=b|image=a`. */
export const CELL_SEPARATOR = '|';
/** Separates a factor's name from its level in a cell id. */
export const LEVEL_SEPARATOR = '=';

/** A cell's id: `FACTOR=LEVEL` for each factor in the factors' order, joined by `|`. */
export function cellId(
  factors: readonly Factor[],
  levels: Readonly<Record<string, string>>,
): string {
  return factors
    .map((f) => `${f.name}${LEVEL_SEPARATOR}${levels[f.name] ?? ''}`)
    .join(CELL_SEPARATOR);
}

/**
 * Every combination of levels (full factorial), the first factor varying slowest, each with its
 * share (levels weighted 0 give cells of share 0, kept so that the SRM test can flag them).
 */
export function factorialCells(factors: readonly Factor[]): FactorialCell[] {
  let cells: FactorialCell[] = [{ id: '', levels: {}, weight: 1 }];
  for (const factor of factors) {
    if (factor.generator !== undefined) {
      const generator = factor.generator;
      cells = cells.map((cell) => ({
        ...cell,
        levels: {
          ...cell.levels,
          [factor.name]: generatedLevel(factor, generator, factors, cell.levels),
        },
      }));
      continue;
    }
    const total = factor.levels.reduce((a, l) => a + (l.weight > 0 ? l.weight : 0), 0);
    cells = cells.flatMap((cell) =>
      factor.levels.map((level) => ({
        id: '',
        levels: { ...cell.levels, [factor.name]: level.id },
        weight: total > 0 && level.weight > 0 ? (cell.weight * level.weight) / total : 0,
      })),
    );
  }
  return cells.map((cell) => ({ ...cell, id: cellId(factors, cell.levels) }));
}

/** A generated factor's level: the exclusive or of its base factors' level indices (0 or 1). */
export function generatedLevel(
  factor: Factor,
  generator: readonly string[],
  factors: readonly Factor[],
  levels: Readonly<Record<string, string>>,
): string {
  let bit = 0;
  for (const name of generator) {
    const base = factors.find((f) => f.name === name);
    if (base !== undefined && base.levels[1]?.id === levels[name]) bit ^= 1;
  }
  return factor.levels[bit]?.id ?? '';
}
