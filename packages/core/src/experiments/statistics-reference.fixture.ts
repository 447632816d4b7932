import { expect } from 'vitest';
import reference from './statistics.reference.json' with { type: 'json' };

/** The SciPy reference (make-statistics-reference.py). */
export { reference };

/**
 * Closed-form statistics must agree with the reference to 1e-6 relative (and to 1e-12 absolute
 * for values near 0); null must stay null.
 */
export function expectClose(
  actual: number | null | undefined,
  expected: number | null,
  relative = 1e-6,
  absolute = 1e-12,
): void {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).toBeTypeOf('number');
  const error = Math.abs((actual as number) - expected);
  expect(error, `${String(actual)} vs ${expected}`).toBeLessThanOrEqual(
    Math.max(absolute, relative * Math.abs(expected)),
  );
}

export function expectCloseInterval(
  actual: readonly [number, number] | null | undefined,
  expected: readonly (number | null)[] | null,
  relative = 1e-6,
  absolute = 1e-12,
): void {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).toHaveLength(2);
  expectClose(actual?.[0], expected[0] ?? null, relative, absolute);
  expectClose(actual?.[1], expected[1] ?? null, relative, absolute);
}
