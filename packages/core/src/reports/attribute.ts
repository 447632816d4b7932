import { CHANNELS } from './channels.js';
import {
  DEFAULT_HALF_LIFE_DAYS,
  DIRECT_KEY,
  POSITION_BASED_ENDS,
  type AttributionModel,
  type AttributionResult,
  type ModelResult,
} from './attribution.schema.js';
import { buildPaths, type JourneyStep, type PathOptions } from './build-paths.js';
import { countPaths, markovRemovalCounted, type CountedPath } from './markov.js';

const DAY_MS = 86_400_000;

export interface AttributeOptions extends PathOptions {
  models: readonly AttributionModel[];
  /** time_decay's half-life in days (default 7). */
  halfLifeDays?: number | undefined;
  /** The keys last_non_direct passes over (default `(direct)` and the `Direct` channel). */
  directKeys?: readonly string[] | undefined;
}

/**
 * Multi-touch attribution over people's journeys (each a time-ordered list of touchpoints and
 * conversions; a conversion's `value` is what it weighs: 1 to count conversions, or its revenue).
 * Heuristic models split each conversion's value over its path's touchpoints (repeats included):
 * - first_touch / last_touch: all to the first / last touchpoint;
 * - linear: equally;
 * - position_based: 40 % to the first, 40 % to the last, 20 % split equally between the others;
 *   one touchpoint takes all, two take half each;
 * - time_decay: in proportion to 2^(−Δ/half-life), Δ the time from the touchpoint to the conversion;
 * - markov: the first-order chain's removal effects normalized to sum to 1, times the total value
 *   (see markovRemoval; the chain counts paths, not their value); markov_2 and markov_3 the same
 *   with the chain's states the last 2 or 3 keys;
 * - last_non_direct: all to the last touchpoint that is not direct, or to the last one when all are;
 * - shapley: the Shapley value of the game v(S) = the value of the conversions whose path's keys
 *   are all in S (Zhao et al. 2018): a sum of unanimity games, so each conversion's value is split
 *   equally between the distinct keys of its path, repeats not counted twice.
 * Conversions without a touchpoint are counted but left out of every share. A share is a key's
 * credit over the total credit; keys with no credit are left out.
 */
export function attribute(
  people: Iterable<readonly JourneyStep[]>,
  options: AttributeOptions,
): AttributionResult {
  const paths = buildPaths(people, options);
  const halfLife = (options.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS) * DAY_MS;
  const direct = new Set(options.directKeys ?? [DIRECT_KEY, CHANNELS.direct]);
  const attributed = paths.converting.filter((p) => p.keys.length > 0);
  const value = attributed.reduce((s, p) => s + p.value, 0);
  // Models that read only a path's keys run once per distinct path with its summed value (and
  // the Markov chains walk each distinct path once with its count): a million people take a few
  // thousand distinct paths. time_decay reads the times: every path.
  let grouped:
    | {
        distinct: { keys: string[]; ats: number[]; at: number; value: number; times: number }[];
        nonConverting: CountedPath[];
      }
    | undefined;
  const groups = () => {
    if (grouped !== undefined) return grouped;
    const byKeys = new Map<
      string,
      { keys: string[]; ats: number[]; at: number; value: number; times: number }
    >();
    for (const path of attributed) {
      const id = path.keys.join('\u0000');
      const seen = byKeys.get(id);
      if (seen === undefined) byKeys.set(id, { ...path, times: 1 });
      else {
        seen.value += path.value;
        seen.times++;
      }
    }
    grouped = { distinct: [...byKeys.values()], nonConverting: countPaths(paths.nonConverting) };
    return grouped;
  };
  const models: Record<string, ModelResult> = {};
  for (const model of options.models) {
    if (model === 'markov' || model === 'markov_2' || model === 'markov_3') {
      const order = model === 'markov' ? 1 : Number(model.slice(-1));
      const { distinct, nonConverting } = groups();
      const fit = markovRemovalCounted(
        distinct.map((p) => ({ path: p.keys, times: p.times })),
        nonConverting,
        order,
      );
      const credit: Record<string, number> = {};
      const shares: Record<string, number> = {};
      for (const [key, share] of fit.shares) {
        if (share <= 0) continue;
        shares[key] = share;
        credit[key] = share * value;
      }
      models[model] = {
        shares,
        credit,
        removalEffects: Object.fromEntries(fit.removalEffects),
        conversionProbability: fit.conversionProbability,
      };
      continue;
    }
    const credit = new Map<string, number>();
    const give = (key: string, amount: number): void => {
      if (amount !== 0) credit.set(key, (credit.get(key) ?? 0) + amount);
    };
    for (const path of model === 'time_decay' ? attributed : groups().distinct) {
      const { keys, ats, value: v } = path;
      const n = keys.length;
      switch (model) {
        case 'first_touch':
          give(keys[0] as string, v);
          break;
        case 'last_touch':
          give(keys[n - 1] as string, v);
          break;
        case 'last_non_direct': {
          let i = n - 1;
          while (i >= 0 && direct.has(keys[i] as string)) i--;
          give(keys[i < 0 ? n - 1 : i] as string, v);
          break;
        }
        case 'shapley': {
          const distinct = new Set(keys);
          for (const key of distinct) give(key, v / distinct.size);
          break;
        }
        case 'linear':
          for (const key of keys) give(key, v / n);
          break;
        case 'position_based':
          if (n === 1) give(keys[0] as string, v);
          else if (n === 2) {
            give(keys[0] as string, v / 2);
            give(keys[1] as string, v / 2);
          } else {
            give(keys[0] as string, v * POSITION_BASED_ENDS);
            give(keys[n - 1] as string, v * POSITION_BASED_ENDS);
            const middle = (v * (1 - 2 * POSITION_BASED_ENDS)) / (n - 2);
            for (let i = 1; i < n - 1; i++) give(keys[i] as string, middle);
          }
          break;
        case 'time_decay': {
          const weights = ats.map((t) => 2 ** (-(path.at - t) / halfLife));
          const sum = weights.reduce((s, w) => s + w, 0);
          keys.forEach((key, i) => {
            give(key, (v * (weights[i] as number)) / sum);
          });
          break;
        }
      }
    }
    let total = 0;
    for (const c of credit.values()) total += c;
    const shares: Record<string, number> = {};
    const credits: Record<string, number> = {};
    for (const [key, c] of [...credit].sort((x, y) => y[1] - x[1])) {
      if (c <= 0) continue;
      credits[key] = c;
      shares[key] = c / total;
    }
    models[model] = { shares, credit: credits };
  }
  return {
    models,
    conversions: paths.converting.length,
    attributedConversions: attributed.length,
    conversionsWithoutTouchpoints: paths.converting.length - attributed.length,
    value,
    convertingPaths: attributed.length,
    nonConvertingPaths: paths.nonConverting.length,
    touchpoints: paths.touchpoints,
    people: 0,
  };
}
