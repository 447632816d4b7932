import type { ApiGet, ApiPost, ApiResult } from '../api/api-client.js';

/** A training run as `GET /v1/models/NAME/training` shows it (the server's `ModelTraining`). */
export interface TrainingRun {
  id: string;
  status: 'running' | 'succeeded' | 'failed' | 'stopped';
  phase: 'read' | 'resolve' | 'fit' | 'done';
  fraction: number;
  error?: { code: string; message: string; status: number };
}

const PHASES: Record<TrainingRun['phase'], string> = {
  read: 'reading the log',
  resolve: 'finding the profiles',
  fit: 'fitting',
  done: 'recording',
};

/** What a run in progress shows: `45% (reading the log)`. */
export function trainingText(run: TrainingRun): string {
  return `${String(Math.floor(run.fraction * 100))}% (${PHASES[run.phase]})`;
}

/**
 * Starts a training (`POST .../train`, answered at once with its run) and follows it (`GET
 * .../training`, every `everyMs`) to its end, telling `onRun` each step; the run that ended
 * (succeeded), or the refusal or failure as an API error.
 */
export async function trainModel(
  get: ApiGet,
  post: ApiPost,
  path: string,
  onRun: (run: TrainingRun) => void,
  everyMs = 1000,
): Promise<ApiResult<TrainingRun>> {
  const started = await post<TrainingRun>(`${path}/train`, {});
  if (!started.ok) return started;
  let run = started.value;
  for (;;) {
    onRun(run);
    if (run.status === 'succeeded') return { ok: true, value: run };
    if (run.status !== 'running')
      return {
        ok: false,
        status: run.error?.status ?? 500,
        code: run.error?.code ?? 'internal',
        message:
          run.error?.message ?? `the training ${run.status === 'stopped' ? 'stopped' : 'failed'}`,
      };
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    const next = await get<TrainingRun>(`${path}/training`);
    if (!next.ok) return next;
    // Another run replaced ours (a second training started after it): ours ended, as that one shows.
    run = next.value;
  }
}
