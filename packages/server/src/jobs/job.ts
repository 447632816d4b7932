/** How far a run of a job is: units done of a total (which may grow while it runs). */
export interface JobProgress {
  done: number;
  total: number;
}

/** What one step did. */
export interface JobStep {
  /** Units of work done (profiles rebuilt, rows resealed); 0 when the job had nothing to do. */
  worked: number;
  /** The progress of the run the step advanced, after it; absent when it advanced none. */
  progress?: JobProgress;
  /** Nothing is left to do until more is asked of it. */
  finished: boolean;
}

/**
 * Long-running work done in bounded steps with progress: the definitions' backfill, RFM's
 * population cuts, erasures left half done and key rotation (`ResealJob`) now; model training,
 * clustering, recommendation retraining and syncs are each one new `Job`. A step reads where the run is from the job's own stored progress and saves the new
 * progress before it returns, so a run survives a restart: a step cut short is done again, and the
 * next step (on this node or another) resumes where the last finished one left off.
 */
export interface Job {
  /** Names it in logs and progress bars (`backfill`, `model:churn`). */
  readonly name: string;
  step(): Promise<JobStep>;
}

/**
 * Runs a job's steps until it finishes (or `signal` aborts it, between steps), telling
 * `onProgress` after each step that advanced a run. Returns the units of work done.
 */
export async function runJob(
  job: Job,
  onProgress?: (progress: JobProgress, job: Job) => void,
  signal?: AbortSignal,
): Promise<number> {
  let worked = 0;
  for (;;) {
    if (signal?.aborted === true) return worked;
    const step = await job.step();
    worked += step.worked;
    if (step.progress !== undefined) onProgress?.(step.progress, job);
    if (step.finished || step.worked === 0) return worked;
  }
}

/**
 * Jobs taking turns a step at a time, in the order given (the first with work goes first), for a
 * loop that does one bounded unit of work per call (the pipeline's upkeep).
 */
export class JobRunner {
  constructor(private readonly jobs: readonly Job[]) {}

  /** One step of the first job that has work; the units it did (0: none had any). */
  async step(): Promise<number> {
    for (const job of this.jobs) {
      const step = await job.step();
      if (step.worked > 0) return step.worked;
    }
    return 0;
  }
}
