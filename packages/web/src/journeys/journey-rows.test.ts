import { describe, expect, it } from 'vitest';
import { entryText, journeyRows } from './journey-rows.js';

describe('journeyRows', () => {
  it('lists the steps in order with their paths and counts, branches indented', () => {
    const rows = journeyRows(
      [
        { wait: '2s' },
        {
          if: 'traits.plan = "pro"',
          then: [{ email: { subject: 'Hi', html: '<p>x</p>' } }],
          else: [{ wait: '1d' }],
        },
      ],
      {
        '0': { entered: 3, waiting: 1, done: 2, left: 0, goal: 0 },
        '1': { entered: 2, waiting: 0, done: 2, left: 0, goal: 0 },
        '1.then.0': { entered: 1, waiting: 0, done: 1, left: 1, goal: 0 },
      },
    );
    expect(rows).toEqual([
      {
        path: '0',
        depth: 0,
        text: 'Wait 2s',
        counts: { entered: 3, waiting: 1, done: 2, left: 0, goal: 0 },
      },
      {
        path: '1',
        depth: 0,
        text: 'If traits.plan = "pro"',
        counts: { entered: 2, waiting: 0, done: 2, left: 0, goal: 0 },
      },
      {
        path: '1.then.0',
        depth: 1,
        branch: 'then',
        text: 'Email “Hi”',
        counts: { entered: 1, waiting: 0, done: 1, left: 1, goal: 0 },
      },
      {
        path: '1.else.0',
        depth: 1,
        branch: 'else',
        text: 'Wait 1d',
        counts: { entered: 0, waiting: 0, done: 0, left: 0, goal: 0 },
      },
    ]);
  });

  it('names the later steps and a waitFor branch by what they do', () => {
    const rows = journeyRows(
      [
        {
          waitFor: { event: 'Order Completed', timeout: '4h', match: 'cartId' },
          then: [{ traits: { stage: 'bought', vip: true } }],
          else: [{ webhook: { destination: 'crm' } }],
        },
      ],
      { '0': { entered: 2, waiting: 1, done: 1, left: 0, goal: 0 } },
    );
    expect(rows.map((r) => [r.path, r.branch, r.text])).toEqual([
      ['0', undefined, 'Wait up to 4h for Order Completed (same cartId)'],
      ['0.then.0', 'then', 'Set stage, vip'],
      ['0.else.0', 'else', 'Webhook to crm'],
    ]);
    expect(entryText({ event: 'Signed Up' })).toBe('Signed Up');
    const timed = journeyRows(
      [
        { waitUntil: { time: '09:00', days: ['mon', 'fri'] } },
        { waitUntil: { trait: 'renewalDate', offset: '-7d', time: '09:00', ifPast: 'exit' } },
      ],
      {},
    );
    const split = journeyRows(
      [
        {
          split: { random: true },
          arms: [
            { weight: 80, steps: [{ wait: '1d' }] },
            { weight: 20, steps: [] },
          ],
        },
        {
          split: { experiment: 'grid', factor: 'tone' },
          arms: [{ level: 'warm', steps: [{ traits: { t: 1 } }] }],
          else: [{ wait: '2d' }],
        },
      ],
      { '0.arm0.0': { entered: 4, waiting: 4, done: 0, left: 0, goal: 0 } },
    );
    expect(split.map((r) => [r.path, r.branch, r.text, r.counts.entered])).toEqual([
      ['0', undefined, 'Split at random', 0],
      ['0.arm0.0', '80%', 'Wait 1d', 4],
      ['1', undefined, 'Split by experiment grid (tone)', 0],
      ['1.arm0.0', 'warm', 'Set t', 0],
      ['1.else.0', 'else', 'Wait 2d', 0],
    ]);
    expect(timed.map((r) => r.text)).toEqual([
      'Wait until 09:00 (mon, fri)',
      'Wait until renewalDate -7d at 09:00 (leave if past)',
    ]);
    expect(entryText({ segment: 'vip', on: 'exited' })).toBe('Segment Exited (vip)');
  });
});
