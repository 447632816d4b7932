import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackgroundLoop } from './background-loop.js';

/** Work the test lets finish one run at a time, counting the runs begun. */
function heldWork() {
  const finishers: (() => void)[] = [];
  let runs = 0;
  return {
    runs: () => runs,
    finish: () => finishers.shift()?.(),
    work: () => {
      runs++;
      return new Promise<number>((resolve) =>
        finishers.push(() => {
          resolve(0);
        }),
      );
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('BackgroundLoop', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs once more after a run that was woken meanwhile, never two at once', async () => {
    const held = heldWork();
    const loop = new BackgroundLoop(held.work, {});
    loop.start();
    expect(held.runs()).toBe(1);
    loop.wake();
    loop.wake();
    expect(held.runs()).toBe(1); // still the first run: the wakes are remembered as one
    held.finish();
    await settle();
    expect(held.runs()).toBe(2); // the change that came during the first run is read
    held.finish();
    await settle();
    expect(held.runs()).toBe(2); // nothing came during the second
    await loop.stop();
  });

  it('polls only when given a period', async () => {
    vi.useFakeTimers();
    const counted = { runs: 0 };
    const work = () => {
      counted.runs++;
      return Promise.resolve(0);
    };
    const quiet = new BackgroundLoop(work, {});
    quiet.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(counted.runs).toBe(1);
    await quiet.stop();
    counted.runs = 0;
    const polled = new BackgroundLoop(work, { pollMs: 1000 });
    polled.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(counted.runs).toBe(11);
    await polled.stop();
  });
});
