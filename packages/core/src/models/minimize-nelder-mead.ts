/**
 * Nelder–Mead minimization (Nelder & Mead 1965, with Lagarias et al.'s 1998 rules: reflection 1,
 * expansion 2, contraction ½, shrink ½). A non-finite value counts as +∞, so a point outside the
 * function's domain is simply never kept.
 *
 * Converged when, as in SciPy's `fmin`, every vertex is within `xTolerance` of the best one in
 * every coordinate and its value within `fTolerance`. The simplex then starts again around the
 * best point, until a restart no longer improves the value by more than `fTolerance`: a
 * simplex can collapse on a slope, and the restart is the usual guard against stopping there.
 */
export interface MinimizeOptions {
  /** Initial simplex: the start plus `step` along each coordinate (default 0.5). */
  step?: number;
  xTolerance?: number;
  fTolerance?: number;
  /** Iterations over all restarts (default 5,000 per dimension). */
  maxIterations?: number;
}

export interface Minimum {
  x: number[];
  value: number;
  iterations: number;
  converged: boolean;
}

interface Vertex {
  x: number[];
  f: number;
}

export function minimizeNelderMead(
  f: (x: readonly number[]) => number,
  start: readonly number[],
  options: MinimizeOptions = {},
): Minimum {
  return drain(nelderMeadSteps(f, start, options));
}

/** Runs a generator of steps to its end: its return value. */
export function drain<T>(steps: Generator<unknown, T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}

/**
 * The same minimization as `minimizeNelderMead`, yielding after each iteration, so a caller can
 * spread a long one over many short turns (the pipeline fits models between event batches).
 */
export function* nelderMeadSteps(
  f: (x: readonly number[]) => number,
  start: readonly number[],
  options: MinimizeOptions = {},
): Generator<void, Minimum> {
  const value = (x: number[]): Vertex => {
    const v = f(x);
    return { x, f: Number.isFinite(v) ? v : Infinity };
  };
  const { step = 0.5, xTolerance = 1e-8, fTolerance = 1e-10 } = options;
  const maxIterations = options.maxIterations ?? 5000 * start.length;
  let best = value([...start]);
  let iterations = 0;
  for (;;) {
    const run = yield* descend(
      value,
      best.x,
      step,
      xTolerance,
      fTolerance,
      maxIterations - iterations,
    );
    iterations += run.iterations;
    const improved = best.f - run.best.f;
    best = run.best.f <= best.f ? run.best : best;
    if (!run.converged) return { x: best.x, value: best.f, iterations, converged: false };
    if (!(improved > fTolerance)) return { x: best.x, value: best.f, iterations, converged: true };
  }
}

/** One Nelder–Mead run from a fresh simplex around `start`, yielding after each iteration. */
function* descend(
  value: (x: number[]) => Vertex,
  start: number[],
  step: number,
  xTolerance: number,
  fTolerance: number,
  maxIterations: number,
): Generator<void, { best: Vertex; iterations: number; converged: boolean }> {
  const n = start.length;
  const simplex = [value(start)];
  for (let i = 0; i < n; i++) simplex.push(value(start.map((v, j) => (j === i ? v + step : v))));
  const at = (c: number[], toward: number[], t: number) =>
    c.map((v, j) => v + t * (nth(toward, j) - v));
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    simplex.sort((p, q) => p.f - q.f);
    const first = nth(simplex, 0);
    const worst = nth(simplex, n);
    if (converged(simplex, xTolerance, fTolerance))
      return { best: first, iterations: iteration, converged: true };
    const centroid = start.map(
      (_, j) => simplex.slice(0, n).reduce((s, v) => s + nth(v.x, j), 0) / n,
    );
    const reflected = value(at(centroid, worst.x, -1));
    if (reflected.f < first.f) {
      const expanded = value(at(centroid, worst.x, -2));
      simplex[n] = expanded.f < reflected.f ? expanded : reflected;
    } else if (reflected.f < nth(simplex, n - 1).f) {
      simplex[n] = reflected;
    } else {
      const outside = reflected.f < worst.f;
      const contracted = value(at(centroid, worst.x, outside ? -0.5 : 0.5));
      if (contracted.f < (outside ? reflected.f : worst.f)) simplex[n] = contracted;
      else for (let i = 1; i <= n; i++) simplex[i] = value(at(first.x, nth(simplex, i).x, 0.5));
    }
    yield;
  }
  simplex.sort((p, q) => p.f - q.f);
  return { best: nth(simplex, 0), iterations: maxIterations, converged: false };
}

function converged(simplex: Vertex[], xTolerance: number, fTolerance: number): boolean {
  const first = nth(simplex, 0);
  return simplex.every(
    (v) =>
      Math.abs(v.f - first.f) <= fTolerance &&
      v.x.every((c, j) => Math.abs(c - nth(first.x, j)) <= xTolerance),
  );
}

/** items[i], which the loops here only ask for in range. */
function nth<T>(items: readonly T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`index ${i} out of range`);
  return item;
}
