/** One step of a person's journey, in time order: a touchpoint (a keyed page event) or a conversion. */
export type JourneyStep =
  { kind: 'touch'; key: string; at: number } | { kind: 'conversion'; at: number; value: number };

/** A converting path: the touchpoints (keys and times, in order) before one conversion. */
export interface ConvertingPath {
  keys: string[];
  ats: number[];
  /** The conversion's time (ms) and value (1, or its revenue). */
  at: number;
  value: number;
}

export interface Paths {
  converting: ConvertingPath[];
  /** Touchpoints after a person's last conversion (or of a person who never converted). */
  nonConverting: string[][];
  touchpoints: number;
}

export interface PathOptions {
  /** Only touchpoints at most this many days before a conversion count toward it. */
  lookbackDays?: number | undefined;
  /**
   * `all` (default): a conversion's path is every earlier touchpoint of the person (within the
   * lookback), so a touchpoint before two conversions counts toward both; `since_conversion`: only
   * the touchpoints since the person's previous conversion.
   */
  paths?: 'all' | 'since_conversion' | undefined;
}

const DAY_MS = 86_400_000;

/**
 * Splits each person's time-ordered steps into converting and non-converting paths. A touchpoint
 * at the same time as a conversion but ordered before it counts toward it ("up to" the conversion).
 * Every conversion makes one converting path, possibly empty (no touchpoint before it): those are
 * kept, and the models leave them out of the shares. The touchpoints after the person's last
 * conversion form one non-converting path (when there are any).
 */
export function buildPaths(
  people: Iterable<readonly JourneyStep[]>,
  options: PathOptions = {},
): Paths {
  const lookback = options.lookbackDays === undefined ? Infinity : options.lookbackDays * DAY_MS;
  const reset = options.paths === 'since_conversion';
  const converting: ConvertingPath[] = [];
  const nonConverting: string[][] = [];
  let touchpoints = 0;
  for (const steps of people) {
    const keys: string[] = [];
    const ats: number[] = [];
    let sinceLast = 0; // index in keys of the first touchpoint after the last conversion
    for (const step of steps) {
      if (step.kind === 'touch') {
        keys.push(step.key);
        ats.push(step.at);
        touchpoints++;
        continue;
      }
      let first = reset ? sinceLast : 0;
      const earliest = step.at - lookback;
      while (first < keys.length && (ats[first] as number) < earliest) first++;
      converting.push({
        keys: keys.slice(first),
        ats: ats.slice(first),
        at: step.at,
        value: step.value,
      });
      sinceLast = keys.length;
    }
    if (sinceLast < keys.length) nonConverting.push(keys.slice(sinceLast));
  }
  return { converting, nonConverting, touchpoints };
}
