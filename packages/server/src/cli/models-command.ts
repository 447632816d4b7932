import { Presets, SingleBar } from 'cli-progress';
import type { ModelVersionInfo } from '@tailor/core';
import type { ModelTraining } from '../models/model.schema.js';
import { openTailor } from '../open-tailor.js';
import { readConfig } from './read-config.js';

const PHASES: Record<ModelTraining['phase'], string> = {
  read: 'reading the log',
  resolve: 'finding profiles',
  fit: 'fitting',
  done: 'recorded',
};

/**
 * `tailor models train NAME`: trains a new version of a defined model from the log, with a
 * progress bar over the run's phases (the log read, profiles found, the fit), then prints the
 * version recorded as JSON. With `--url`, a running server trains it (`POST .../train`, its run
 * followed on `GET .../training`; the key from `--key` or `TAILOR_API_KEY`); without, the data
 * folder is opened here, so the server must be stopped, as for the other maintenance commands.
 */
export async function modelsTrainCommand(
  name: string,
  flags: { data?: string; config?: string; url?: string; key?: string },
): Promise<void> {
  const bar = new SingleBar(
    {
      format: `training ${name} | {bar} | {percentage}% | {phase}`,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  const show = (run: Pick<ModelTraining, 'fraction' | 'phase'>) => {
    bar.update(Math.floor(run.fraction * 100), { phase: PHASES[run.phase] });
  };
  bar.start(100, 0, { phase: 'starting' });
  try {
    const version =
      flags.url === undefined
        ? await trainHere(name, flags, show)
        : await trainOnServer(name, flags.url, flags.key ?? process.env['TAILOR_API_KEY'], show);
    bar.stop();
    console.log(JSON.stringify(version));
  } finally {
    bar.stop();
  }
}

async function trainHere(
  name: string,
  flags: { data?: string; config?: string },
  show: (run: ModelTraining) => void,
): Promise<ModelVersionInfo> {
  const config = readConfig({ dataDir: flags.data, logLevel: 'silent' }, flags.config);
  const tailor = await openTailor(config);
  try {
    return await tailor.models.train(name, (_progress, run) => {
      show(run);
    });
  } finally {
    await tailor.close();
  }
}

/** Starts the training on a running server and follows its run to the end. */
async function trainOnServer(
  name: string,
  url: string,
  key: string | undefined,
  show: (run: ModelTraining) => void,
  everyMs = 500,
): Promise<ModelVersionInfo> {
  if (key === undefined || key === '')
    throw new Error(
      '--url needs an API key that may train (marketer or admin): --key or TAILOR_API_KEY',
    );
  const path = new URL(`/v1/models/${encodeURIComponent(name)}/`, url);
  const call = async (method: 'GET' | 'POST', to: string): Promise<ModelTraining> => {
    const response = await fetch(new URL(to, path), {
      method,
      headers: { authorization: `Bearer ${key}` },
    });
    const body = (await response.json()) as ModelTraining & { message?: string };
    if (!response.ok)
      throw new Error(`${method} ${to}: ${String(response.status)} ${body.message ?? ''}`);
    return body;
  };
  let run = await call('POST', 'train');
  const id = run.id;
  for (;;) {
    show(run);
    if (run.status === 'succeeded' && run.version !== undefined) return run.version;
    if (run.status !== 'running')
      throw new Error(`model ${name}: the training ${run.status}: ${run.error?.message ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    run = await call('GET', 'training');
    if (run.id !== id)
      throw new Error(`model ${name}: another training replaced this one (run ${run.id})`);
  }
}
