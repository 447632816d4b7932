import { describe, expect, it, vi } from 'vitest';
import { DECIDE_SOURCE, type StoredMessage } from '@tailor/core';
import type { LoggedEvent } from '../log/event-log.js';
import { openMemoryBanditStore } from '../store/memory/memory-bandit-store.js';
import type { BanditMetric } from '../store/bandit-store.js';
import { BanditStage } from './bandit-stage.js';

const hero: BanditMetric = { placement: 'hero', event: 'Order Completed', withinMs: 0 };

/** A decide record's event showing `itemId` of the hero placement to `userId`, at `position`. */
function shown(position: number, userId: string, itemId: string): LoggedEvent {
  const at = new Date(Date.UTC(2026, 11, 1) + position).toISOString();
  const message = {
    type: 'track',
    messageId: `m${String(position)}`,
    event: 'Decision Made',
    userId,
    anonymousId: null,
    timestamp: at,
    receivedAt: at,
    properties: { placement: 'hero', itemId, fallback: false },
    context: {},
    tailor: { source: DECIDE_SOURCE },
  } as StoredMessage;
  return { position, partition: 0, message };
}

describe('BanditStage', () => {
  it('reads nothing of the log while no placement optimizes, and counts from when one does', async () => {
    const logged = [shown(1, 'u1', 'a'), shown(2, 'u2', 'a'), shown(3, 'u3', 'b')];
    const log = {
      readNamed: vi.fn(({ after, upTo }: { after: number; upTo: number }) =>
        Promise.resolve({
          events: logged.filter((e) => e.position > after && e.position <= upTo),
          next: upTo,
        }),
      ),
    };
    const store = openMemoryBanditStore();
    let metrics: BanditMetric[] = [];
    const stage = new BanditStage({
      log,
      store,
      metrics: () => metrics,
      personKey: (type, value) => `${type}:${value}`,
    });
    // Behind (a restart) and following, with nothing to count: passed over without a read.
    await stage.follow(logged.slice(1, 2), { from: 1, to: 2 });
    expect(log.readNamed).not.toHaveBeenCalled();
    expect(await store.arms()).toEqual([]);
    metrics = [hero];
    await stage.follow(logged.slice(2), { from: 2, to: 3 });
    expect(log.readNamed).not.toHaveBeenCalled(); // the batch given is all there is to count
    expect((await store.arms()).map((a) => [a.itemId, a.exposures])).toEqual([['b', 1]]);
  });

  it('catches up by reading only the exposures and the metric events, a range at a time', async () => {
    const logged = [shown(1, 'u1', 'a'), shown(2, 'u2', 'a'), shown(3, 'u3', 'b')];
    const asked: { names: readonly string[]; after: number; upTo: number; chunk: number }[] = [];
    const log = {
      readNamed: (query: {
        names: readonly string[];
        after: number;
        upTo: number;
        chunk: number;
      }) => {
        asked.push(query);
        const next = Math.min(query.upTo, query.after + query.chunk);
        return Promise.resolve({
          events: logged.filter((e) => e.position > query.after && e.position <= next),
          next,
        });
      },
    };
    const store = openMemoryBanditStore();
    const stage = new BanditStage({
      log,
      store,
      metrics: () => [hero],
      personKey: (type, value) => `${type}:${value}`,
      pageSize: 2,
    });
    await stage.follow([], { from: 3, to: 3 }); // behind: a restart
    expect(asked).toEqual([
      { names: ['Decision Made', 'Order Completed'], after: 0, upTo: 3, chunk: 2 },
      { names: ['Decision Made', 'Order Completed'], after: 2, upTo: 3, chunk: 2 },
    ]);
    expect((await store.arms()).map((a) => [a.itemId, a.exposures])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(await store.position()).toBe(3);
  });
});
