/** Why a value holding a number past the double range is refused (it would be stored as null). */
export const NON_FINITE_REASON =
  'the number is out of the range of a double (like 1e309) and cannot be stored; send it as a string';

/**
 * The dotted path of the first number in `value` that is not finite, or undefined. JSON has no
 * Infinity, but a literal past the double range (`1e309`) parses to one and would be written back
 * as `null`: such a message is refused with this path rather than stored changed. Iterative, so
 * no nesting overflows the stack.
 */
export function findNonFinite(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, '']];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, path] = next;
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) return path || '(the value)';
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    const prefix = path ? `${path}.` : '';
    const keys = Object.keys(node);
    // Pushed in reverse, so the first key is looked at first.
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      stack.push([(node as Record<string, unknown>)[key], prefix + key]);
    }
  }
  return undefined;
}
