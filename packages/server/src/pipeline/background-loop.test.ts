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

  it('rests as long as restMs says after each unit, and not at all when it says 0', async () => {
    vi.useFakeTimers();
    // Units doing 5, 5, 1000, then 0: rest after the small ones only (a caught-up pipeline
    // gathering), and read on at once after the full one (a backlog).
    const dones = [5, 5, 1000, 0];
    const at: number[] = [];
    const loop = new BackgroundLoop(
      () => {
        at.push(Date.now());
        return Promise.resolve(dones.shift() ?? 0);
      },
      { restMs: (done) => (done < 1000 ? 30 : 0) },
    );
    const t0 = Date.now();
    loop.start();
    await vi.advanceTimersByTimeAsync(29);
    expect(at.length).toBe(1); // resting after the first unit
    loop.wake(); // a wake during the rest runs nothing sooner
    await vi.advanceTimersByTimeAsync(1);
    expect(at.length).toBe(2);
    await vi.advanceTimersByTimeAsync(30);
    expect(at.map((t) => t - t0)).toEqual([0, 30, 60]);
    await vi.advanceTimersByTimeAsync(5);
    // The full unit's successor ran at once (no rest), then the wake's run (0: nothing to do).
    expect(at.length).toBe(5);
    expect((at[3] ?? 0) - (at[2] ?? 0)).toBeLessThan(5);
    await vi.advanceTimersByTimeAsync(1000);
    expect(at.length).toBe(5); // no poll given: nothing more
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
