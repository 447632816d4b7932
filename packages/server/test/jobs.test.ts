import { describe, expect, it } from 'vitest';
import { JobRunner, runJob, type Job, type JobProgress } from '../src/jobs/job.js';

/** A job over `total` units, `per` a step, whose progress lives in `stored` (what a store keeps). */
function countingJob(name: string, stored: { done: number }, total: number, per: number): Job {
  return {
    name,
    step() {
      if (stored.done >= total) return Promise.resolve({ worked: 0, finished: true });
      const worked = Math.min(per, total - stored.done);
      stored.done += worked;
      return Promise.resolve({
        worked,
        progress: { done: stored.done, total },
        finished: stored.done === total,
      });
    },
  };
}

describe('jobs', () => {
  it('runs a job step by step to the end, reporting progress after each step', async () => {
    const seen: JobProgress[] = [];
    const stored = { done: 0 };
    expect(await runJob(countingJob('j', stored, 5, 2), (p) => seen.push(p))).toBe(5);
    expect(seen).toEqual([
      { done: 2, total: 5 },
      { done: 4, total: 5 },
      { done: 5, total: 5 },
    ]);
  });

  it('resumes from its stored progress: a run stopped between steps goes on where it stopped', async () => {
    const stored = { done: 0 };
    const stop = new AbortController();
    const seen: number[] = [];
    await runJob(
      countingJob('j', stored, 10, 3),
      (p) => {
        seen.push(p.done);
        if (p.done >= 6) stop.abort();
      },
      stop.signal,
    );
    expect(stored.done).toBe(6);
    // Another runner (a restarted node) is given a new job object over the same stored progress.
    await runJob(countingJob('j', stored, 10, 3), (p) => seen.push(p.done));
    expect(seen).toEqual([3, 6, 9, 10]);
  });

  it('takes turns in order: the first job with work does one step; none has work: 0', async () => {
    const first = { done: 0 };
    const second = { done: 0 };
    const runner = new JobRunner([countingJob('a', first, 2, 1), countingJob('b', second, 3, 2)]);
    const steps: string[] = [];
    for (let worked = await runner.step(); worked > 0; worked = await runner.step())
      steps.push(`${first.done}/${second.done}`);
    expect(steps).toEqual(['1/0', '2/0', '2/2', '2/3']);
  });
});
