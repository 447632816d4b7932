import { TailorError } from '../../errors/tailor-error.js';

/** At most this many levels of a category become columns (the most frequent); the rest are `other`. */
const MAX_LEVELS = 50;

/** How a column of the table becomes model inputs, learnt from the training rows. */
export type ColumnPlan =
  | {
      kind: 'number';
      name: string;
      mean: number;
      sd: number;
      /** Blanks in training: they take the mean, and a `name (blank)` input says so. */
      blanks: boolean;
    }
  | { kind: 'category'; name: string; levels: string[] };

/** The preparation of a table: which columns, how each is turned into inputs, the inputs' names. */
export interface TablePlan {
  columns: ColumnPlan[];
  inputs: string[];
}

/**
 * Chooses the preparation from the training rows: a column whose non-blank cells are all numbers
 * is numeric (standardized; blanks take the mean and get an indicator input), any other is a
 * category (one input per level but the first, in frequency order, so no input is the sum of
 * others; at most MAX_LEVELS, the rarest merged). Columns with a single value carry nothing and
 * are left out, as are text columns with more than MAX_LEVELS values where most rows have a value
 * of their own (names, emails, other identifiers: they would only let the model memorize rows).
 */
export function planTable(
  rows: readonly Record<string, string>[],
  columns: readonly string[],
): TablePlan {
  const plans: ColumnPlan[] = [];
  for (const name of columns) {
    const cells = rows.map((r) => (r[name] ?? '').trim());
    const filled = cells.filter((c) => c !== '');
    if (filled.length === 0) continue;
    const numbers = filled.map(Number);
    if (numbers.every(Number.isFinite)) {
      const mean = numbers.reduce((s, v) => s + v, 0) / numbers.length;
      const sd = Math.sqrt(numbers.reduce((s, v) => s + (v - mean) ** 2, 0) / numbers.length);
      if (sd === 0 && filled.length === cells.length) continue;
      plans.push({ kind: 'number', name, mean, sd, blanks: filled.length < cells.length });
      continue;
    }
    const counts = new Map<string, number>();
    for (const c of cells) counts.set(c, (counts.get(c) ?? 0) + 1);
    if (counts.size < 2) continue;
    if (counts.size > MAX_LEVELS && counts.size > cells.length / 2) continue;
    const levels = [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([level]) => level)
      .slice(0, MAX_LEVELS);
    plans.push({ kind: 'category', name, levels });
  }
  const inputs = plans.flatMap((p) =>
    p.kind === 'number'
      ? [p.name, ...(p.blanks ? [`${p.name} (blank)`] : [])]
      : p.levels.slice(1).map((level) => `${p.name}=${level}`),
  );
  return { columns: plans, inputs };
}

/** The rows as model inputs (row-major), prepared by the plan; unseen categories count as none of its levels. */
export function applyPlan(
  plan: TablePlan,
  rows: readonly Record<string, string>[],
): Float64Array[] {
  return rows.map((row) => {
    const x = new Float64Array(plan.inputs.length);
    let j = 0;
    for (const p of plan.columns) {
      const cell = (row[p.name] ?? '').trim();
      if (p.kind === 'number') {
        const value = cell === '' ? p.mean : Number(cell);
        if (!Number.isFinite(value))
          throw new TailorError('invalid_request', `column ${p.name}: not a number: '${cell}'`);
        x[j++] = p.sd === 0 ? 0 : (value - p.mean) / p.sd;
        if (p.blanks) x[j++] = cell === '' ? 1 : 0;
      } else {
        const at = p.levels.indexOf(cell);
        for (let k = 1; k < p.levels.length; k++) x[j++] = at === k ? 1 : 0;
      }
    }
    return x;
  });
}

/** A label cell as 1 or 0: 1/0, true/false, yes/no (any case); anything else is an error. */
export function binaryLabel(cell: string, where: string): 0 | 1 {
  const v = cell.trim().toLowerCase();
  if (v === '1' || v === 'true' || v === 'yes') return 1;
  if (v === '0' || v === 'false' || v === 'no') return 0;
  throw new TailorError(
    'invalid_request',
    `${where}: the label must be 1/0, true/false or yes/no, not '${cell}'`,
  );
}
