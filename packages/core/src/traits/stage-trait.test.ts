import { describe, expect, it } from 'vitest';
import { compileDefinitions } from '../segments/compile-definitions.js';
import { parseComputed, parseCondition } from '../segments/parse-definition.js';
import { printComputed } from '../segments/print-definition.js';
import { readComputed, referencesOf } from '../segments/read-definition.js';
import type { ComputedNode } from '../segments/segments.schema.js';
import { emptyDerivedState, feedEvent, refreshDerived } from '../segments/update-derived.js';
import { DEFAULT_STAGES } from './stage-trait.js';

const DAY = 86_400_000;
const DEFAULT_TEXT =
  'stage(advocacy: count("Referral Sent") >= 1 or count("Product Reviewed") >= 1, ' +
  'retention: count("Order Completed") >= 2, purchase: count("Order Completed") >= 1, ' +
  'consideration: count("Product Viewed", 30d) >= 1 or count("Product Added", 30d) >= 1, ' +
  'else: awareness)';

function computed(text: string): ComputedNode {
  const parsed = parseComputed(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

describe('journey stages (stage kind)', () => {
  it('reads stage() as the default rules, prints them back, and reads its own text again', () => {
    const tree = computed('stage()');
    expect(tree).toEqual(DEFAULT_STAGES);
    expect(printComputed(tree)).toBe(DEFAULT_TEXT);
    expect(computed(DEFAULT_TEXT)).toEqual(DEFAULT_STAGES);
    // A JSON tree without rules is the defaults too.
    const read = readComputed({ type: 'stage' });
    expect(read.ok && read.value.tree).toEqual(DEFAULT_STAGES);
    expect(referencesOf(tree)).toEqual({
      segments: [],
      computed: [],
      models: [],
      events: [
        'Referral Sent',
        'Product Reviewed',
        'Order Completed',
        'Product Viewed',
        'Product Added',
      ],
      timeBased: true,
    });
  });

  it('takes quoted names, no else (null), and refuses what it cannot decide', () => {
    const tree = computed(
      'stage("big spender": sum("Order Completed".revenue) > 500, "else": traits.vip = true)',
    );
    expect(printComputed(tree)).toBe(
      'stage("big spender": sum("Order Completed".revenue) > 500, "else": traits.vip = true)',
    );
    expect(referencesOf(tree).timeBased).toBe(false);
    const refused = (text: string) => {
      const parsed = parseComputed(text);
      return parsed.ok ? 'accepted' : parsed.error.message;
    };
    expect(refused('stage(a: count("X") >= 1, a: count("Y") >= 1)')).toMatch(
      'stage a is named twice',
    );
    expect(refused('stage(a: count("X") >= 1, else: a)')).toMatch('stage a is named twice');
    expect(refused('stage(a: in_segment("vip"))')).toMatch('cannot read in_segment');
    expect(refused('stage(a: count("X") >= 1,)')).not.toBe('accepted');
    expect(refused('stage(else: awareness)')).toBe('accepted');
  });

  it('decides the first rule that holds, announces each change, and moves with time alone', () => {
    const tree = computed('stage()');
    const spender = parseCondition('computed.journey = "retention"');
    if (!spender.ok) throw new Error(spender.error.message);
    const plan = compileDefinitions(
      [{ name: 'journey', tree }],
      [{ name: 'loyal', tree: spender.value }],
    );
    const state = emptyDerivedState();
    const profile = { traits: {}, consent: {} };
    const t0 = Date.UTC(2026, 0, 1, 12);
    const send = (at: number, event: string) => {
      feedEvent(plan, state, { event }, at);
      return refreshDerived(plan, state, profile, at, { event });
    };
    // A first look at the person decides their stage, whatever the event.
    expect(send(t0, 'Page Viewed').announced).toEqual([
      { trait: 'journey', from: null, to: 'awareness', announce: 'Journey Stage Changed' },
    ]);
    expect(send(t0 + 1000, 'Product Viewed').announced).toEqual([
      {
        trait: 'journey',
        from: 'awareness',
        to: 'consideration',
        announce: 'Journey Stage Changed',
      },
    ]);
    expect(send(t0 + 2000, 'Product Added').announced).toEqual([]);
    // Thirty days after the last product event, consideration lapses.
    const due = refreshDerived(plan, state, profile, t0 + 2000 + 30 * DAY, {});
    expect(due.announced.map((a) => a.to)).toEqual(['awareness']);
    expect(send(t0 + 31 * DAY, 'Order Completed').announced.map((a) => a.to)).toEqual(['purchase']);
    const second = send(t0 + 32 * DAY, 'Order Completed');
    expect(second.announced.map((a) => [a.from, a.to])).toEqual([['purchase', 'retention']]);
    // Segments read the stage decided in the same refresh.
    expect(second.entered).toEqual(['loyal']);
    expect(send(t0 + 33 * DAY, 'Product Reviewed').exited).toEqual(['loyal']);
    expect(state.computed['journey']).toBe('advocacy');
  });

  it('reads other computed traits and traits, decided after them', () => {
    const plan = compileDefinitions(
      [
        { name: 'spend', tree: computed('sum("Order Completed".revenue)') },
        {
          name: 'tier',
          tree: computed('stage(vip: computed.spend >= 100 or traits.vip = true, else: regular)'),
        },
      ],
      [],
    );
    const state = emptyDerivedState();
    feedEvent(plan, state, { event: 'Order Completed', properties: { revenue: 60 } }, 1);
    refreshDerived(plan, state, { traits: {}, consent: {} }, 1, { event: 'Order Completed' });
    expect(state.computed['tier']).toBe('regular');
    feedEvent(plan, state, { event: 'Order Completed', properties: { revenue: 60 } }, 2);
    const change = refreshDerived(plan, state, { traits: {}, consent: {} }, 2, {
      event: 'Order Completed',
    });
    expect(change.announced.map((a) => a.to)).toEqual(['vip']);
    const other = emptyDerivedState();
    refreshDerived(plan, other, { traits: { vip: true }, consent: {} }, 3, { traitsChanged: true });
    expect(other.computed['tier']).toBe('vip');
  });
});
