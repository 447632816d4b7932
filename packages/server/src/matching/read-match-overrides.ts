import { Compile } from 'typebox/compile';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { MatchConfig, TailorError, type MatchRecord } from '@tailor/core';

const OverridesSchema = Type.Partial(MatchConfig);
const Overrides = Compile(OverridesSchema);

/**
 * Checks overrides of the matcher's own choices (from a config file or the API): known keys
 * only, the shape, and that every column named (fields, swapWith, blocking) exists in the records.
 */
export function readMatchOverrides(
  raw: unknown,
  records: readonly MatchRecord[],
): Partial<MatchConfig> {
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const known = Object.keys(MatchConfig.properties);
    const unknownKeys = Object.keys(raw).filter((key) => !known.includes(key));
    if (unknownKeys.length > 0) {
      throw new TailorError(
        'invalid_request',
        `invalid match config: unknown key ${unknownKeys.join(', ')} (known: ${known.join(', ')})`,
      );
    }
  }
  // Fill defaults (a blocking part's transform is `exact` when not given) before checking.
  const input: unknown =
    typeof raw === 'object' && raw !== null
      ? Value.Default(OverridesSchema, structuredClone(raw))
      : raw;
  if (!Overrides.Check(input)) {
    const problems = [...Overrides.Errors(input)]
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new TailorError('invalid_request', `invalid match config: ${problems.join('; ')}`);
  }
  const columns = new Set(records.flatMap((r) => Object.keys(r.fields)));
  const named = [
    ...(input.fields ?? []).flatMap((f) =>
      f.swapWith === undefined ? [f.name] : [f.name, f.swapWith],
    ),
    ...(input.blocking ?? []).flatMap((k) => k.map((p) => p.field)),
  ];
  const unknown = named.filter((n) => !columns.has(n));
  if (unknown.length > 0) {
    throw new TailorError(
      'invalid_request',
      `invalid match config: no column ${[...new Set(unknown)].join(', ')} in the records`,
    );
  }
  if (input.upper !== undefined && input.lower !== undefined && input.lower > input.upper) {
    throw new TailorError('invalid_request', 'invalid match config: lower is above upper');
  }
  return input;
}
