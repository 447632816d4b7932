import type { CompiledCondition } from '../segments/compile-condition.js';
import { evaluateCondition, type EvaluationScope } from '../segments/evaluate-condition.js';
import type { AggregateNode, Condition } from '../segments/segments.schema.js';
import type { ArmCounts, Choice, PlacementOptimize, RandomSource } from './decide.schema.js';
import type { ItemScore } from './scorer.js';
import { thompsonSample } from './thompson-sample.js';

/** A placement item ready to decide with: its rule parsed, its times and cap in milliseconds. */
export interface CompiledItem {
  id: string;
  when?: Condition;
  /** The rule as written, for reasons. */
  whenText?: string;
  /** `when` compiled once (`compileCondition`); without it the tree is evaluated. */
  holds?: CompiledCondition;
  priority: number;
  override: boolean;
  /** Its scorer (see `ScorerKind`), compiled with the placement: higher ranks first. */
  score?: ItemScore;
  start?: number;
  end?: number;
  /** At most `max` exposures per person in the window; `exposures` counts them. */
  cap?: {
    max: number;
    per: string;
    exposures: AggregateNode;
    /** `aggregateKey(exposures)`, made once. */ key?: string;
  };
  /** The experiment whose variant decides this item's content when it wins. */
  experiment?: string;
}

export interface CompiledPlacement {
  name: string;
  items: CompiledItem[];
  defaultId: string;
  /** Learn which eligible item to serve (Thompson sampling) instead of ranking by score and priority. */
  optimize?: PlacementOptimize;
}

export interface ChoiceInput {
  scope: EvaluationScope;
  now: number;
  /** How many times the person was shown an item within its cap's window. */
  exposures: (item: CompiledItem) => number;
  /** For a placement that optimizes: each item's counts so far, and the random draws. */
  bandit?: { arms: (item: CompiledItem) => ArmCounts; random: RandomSource };
  /**
   * How much the reasons tell: `full` (the default) quotes rules, counts and draws; `ids` names
   * items by id with their outcome only, for an asker who may not read rules or a person's state
   * (the public write key).
   */
  reasons?: 'full' | 'ids';
}

/**
 * Picks the item a person sees: eligible items (schedule, then rule), ranked with overrides first
 * (an eligible override beats every item that is not one, e.g. a flash sale), then by score, then
 * priority, then listed order; then frequency caps: the best-ranked item not capped wins (when every
 * override is capped, the others compete). Nothing left: the default, as a fallback. A placement
 * that optimizes serves, among the eligible items left when no override wins, the item whose
 * Thompson draw is highest instead of the best-ranked one.
 */
export function chooseItem(placement: CompiledPlacement, input: ChoiceInput): Choice {
  const reasons: string[] = [];
  const full = input.reasons !== 'ids';
  const eligible: Candidate[] = [];
  for (const item of placement.items) {
    if (
      (item.start !== undefined && input.now < item.start) ||
      (item.end !== undefined && input.now >= item.end)
    ) {
      reasons.push(textsOf(item).outside);
      continue;
    }
    if (
      item.when !== undefined &&
      !(item.holds === undefined
        ? evaluateCondition(item.when, input.scope)
        : item.holds(input.scope))
    ) {
      const texts = textsOf(item);
      reasons.push(full ? texts.failed : texts.failedById);
      continue;
    }
    const score =
      item.score === undefined ? 0 : item.score.score(input.scope, item.id, placement.name);
    eligible.push({
      item,
      score: typeof score === 'number' ? score : -Infinity,
      order: eligible.length,
    });
  }
  // A handful of candidates: the engine sorts arrays this short by insertion, in place.
  const ranked = eligible.sort(byRank);
  for (const [rank, { item }] of ranked.entries()) {
    const capped = capReason(item, input);
    if (capped !== undefined) {
      reasons.push(capped);
      continue;
    }
    if (placement.optimize !== undefined && input.bandit !== undefined && !item.override) {
      return chooseByThompson(
        item,
        ranked.slice(rank + 1).map((r) => r.item),
        input,
        input.bandit,
        reasons,
      );
    }
    const texts = textsOf(item);
    for (let i = rank + 1; i < ranked.length; i++)
      reasons.push(lostTo(ranked[i]?.item as CompiledItem, item));
    reasons.unshift(full ? texts.chosen : texts.chosenById);
    return { itemId: item.id, fallback: false, reasons };
  }
  // To the write key a default names no cause, as for an unknown person: which rules failed for
  // someone, or that they are known at all, is theirs.
  if (!full)
    return {
      itemId: placement.defaultId,
      fallback: true,
      reasons: [`${placement.defaultId}: default`],
    };
  reasons.unshift(`${placement.defaultId}: default, no eligible item`);
  return { itemId: placement.defaultId, fallback: true, reasons };
}

interface Candidate {
  item: CompiledItem;
  score: number;
  /** Its place among the eligible items, in the order listed. */
  order: number;
}

/** Overrides first, then higher score, then higher priority, then the order listed. */
function byRank(a: Candidate, b: Candidate): number {
  return (
    Number(b.item.override) - Number(a.item.override) ||
    b.score - a.score ||
    b.item.priority - a.item.priority ||
    a.order - b.order
  );
}

/** The reasons an item's outcome gives that depend on the item alone, made once per item. */
interface ItemTexts {
  outside: string;
  failed: string;
  failedById: string;
  chosen: string;
  chosenById: string;
  /** Why it lost, by the id of the item that won. */
  lost: Map<string, string>;
}

const TEXTS = new WeakMap<CompiledItem, ItemTexts>();

function textsOf(item: CompiledItem): ItemTexts {
  let texts = TEXTS.get(item);
  if (texts === undefined) {
    texts = {
      outside: `${item.id}: outside its schedule`,
      failed: `${item.id}: rule did not hold (${item.whenText ?? 'when'})`,
      failedById: `${item.id}: rule did not hold`,
      chosen: `${item.id}: chosen${item.when ? ` (${item.whenText ?? 'rule held'})` : ''}`,
      chosenById: `${item.id}: chosen`,
      lost: new Map(),
    };
    TEXTS.set(item, texts);
  }
  return texts;
}

/** Why `lower` lost to `winner`: an override beat it, or it ranked below. */
function lostTo(lower: CompiledItem, winner: CompiledItem): string {
  const lost = textsOf(lower).lost;
  const key = winner.override ? `\u0001${winner.id}` : winner.id;
  let text = lost.get(key);
  if (text === undefined) {
    text = `${lower.id}: ${winner.override && !lower.override ? `${winner.id} is an override` : `ranked below ${winner.id}`}`;
    if (lost.size < 256) lost.set(key, text);
  }
  return text;
}

function capReason(item: CompiledItem, input: ChoiceInput): string | undefined {
  if (item.cap === undefined) return undefined;
  const shown = input.exposures(item);
  if (shown < item.cap.max) return undefined;
  return input.reasons === 'ids'
    ? `${item.id}: frequency cap reached`
    : `${item.id}: frequency cap reached (${shown} of ${item.cap.max} per ${item.cap.per})`;
}

/** The bandit's choice among `first` (not capped) and the other candidates that are not capped. */
function chooseByThompson(
  first: CompiledItem,
  rest: readonly CompiledItem[],
  input: ChoiceInput,
  bandit: NonNullable<ChoiceInput['bandit']>,
  reasons: string[],
): Choice {
  const open = [first];
  for (const item of rest) {
    const capped = capReason(item, input);
    if (capped === undefined) open.push(item);
    else reasons.push(capped);
  }
  const counts = open.map((item) => bandit.arms(item));
  const { best, draws } = thompsonSample(counts, bandit.random);
  const drew = (i: number) => {
    const c = counts[i] ?? { exposures: 0, conversions: 0 };
    return `thompson: sampled ${formatDraw(draws[i] ?? 0)} (${c.conversions}/${c.exposures} converted)`;
  };
  const winner = open[best] ?? first;
  const full = input.reasons !== 'ids';
  for (const [i, item] of open.entries())
    if (i !== best)
      reasons.push(
        full ? `${item.id}: ${drew(i)}, below ${winner.id}` : `${item.id}: below ${winner.id}`,
      );
  reasons.unshift(full ? `${winner.id}: chosen, ${drew(best)}` : `${winner.id}: chosen`);
  return { itemId: winner.id, fallback: false, reasons };
}

/** A draw with three significant digits, without an exponent. */
function formatDraw(x: number): string {
  return String(Number(x.toPrecision(3)));
}
