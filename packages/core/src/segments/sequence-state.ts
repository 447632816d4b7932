import { durationMs, type Condition } from './segments.schema.js';

type SequenceNode = Extract<Condition, { type: 'sequence' }>;

/** What a sequence remembers: the latest first event, the latest second one, and whether A then B happened. */
export interface SequenceState {
  lastFirst: number | null;
  lastThen: number | null;
  matched: boolean;
}

export function initialSequenceState(): SequenceState {
  return { lastFirst: null, lastThen: null, matched: false };
}

/** Records an event fitting the sequence's first pattern (`first`) or its second (`then`). */
export function addToSequence(
  state: SequenceState,
  node: SequenceNode,
  step: 'first' | 'then',
  at: number,
): void {
  if (step === 'first') {
    state.lastFirst = Math.max(state.lastFirst ?? at, at);
    return;
  }
  state.lastThen = Math.max(state.lastThen ?? at, at);
  if (
    state.lastFirst !== null &&
    at >= state.lastFirst &&
    at - state.lastFirst <= durationMs(node.within)
  )
    state.matched = true;
}

/**
 * `A then B within T`: some B came at most T after an A (once true, it stays true).
 * `A then not B within T`: the latest A is at least T old and no B came after it (cart abandonment).
 */
export function sequenceValue(state: SequenceState, node: SequenceNode, now: number): boolean {
  if (!node.negated) return state.matched;
  if (state.lastFirst === null) return false;
  if (state.lastThen !== null && state.lastThen >= state.lastFirst) return false;
  return now - state.lastFirst >= durationMs(node.within);
}

/** When a negated sequence flips to true by time alone. */
export function nextSequenceChange(
  state: SequenceState,
  node: SequenceNode,
  now: number,
): number | undefined {
  if (!node.negated || state.lastFirst === null) return undefined;
  if (state.lastThen !== null && state.lastThen >= state.lastFirst) return undefined;
  const due = state.lastFirst + durationMs(node.within);
  return due > now ? due : undefined;
}

/** Combines two people's states when their profiles merge. */
export function mergeSequenceStates(a: SequenceState, b: SequenceState): SequenceState {
  const latest = (x: number | null, y: number | null) =>
    x === null ? y : y === null ? x : Math.max(x, y);
  return {
    lastFirst: latest(a.lastFirst, b.lastFirst),
    lastThen: latest(a.lastThen, b.lastThen),
    matched: a.matched || b.matched,
  };
}
