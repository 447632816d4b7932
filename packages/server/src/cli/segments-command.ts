import { Presets, SingleBar } from 'cli-progress';
import { TailorError } from '@tailor/core';
import { openTailor } from '../open-tailor.js';
import { readConfig } from './read-config.js';

interface BackfillFlags {
  data?: string;
  config?: string;
}

/**
 * `tailor segments backfill NAME`: re-evaluates every profile for a segment from the log, with a
 * progress bar, and prints how many people are in it. Run it with the server stopped, or use the
 * API (a changed definition is backfilled by the running server on its own).
 */
export async function segmentsBackfillCommand(name: string, flags: BackfillFlags): Promise<void> {
  const config = readConfig({ dataDir: flags.data, logLevel: 'silent' }, flags.config);
  const tailor = await openTailor(config);
  const bar = new SingleBar(
    { format: 'backfilling {bar} {percentage}% | {value}/{total} profiles', hideCursor: true },
    Presets.shades_classic,
  );
  try {
    if ((await tailor.definitions.get('segment', name)) === undefined)
      throw new TailorError('not_found', `no segment ${name}`);
    await tailor.pipeline.catchUp();
    const { profiles } = await tailor.profiles.stats();
    await tailor.profiles.backfills.start(
      [`segment:${name}`],
      profiles,
      new Date(tailor.now()).toISOString(),
    );
    bar.start(Math.max(1, profiles), 0);
    await tailor.pipeline.runBackfills((job) => {
      if (job.names.includes(`segment:${name}`)) bar.update(job.done);
    });
    bar.update(Math.max(1, profiles));
    bar.stop();
    const { count } = await tailor.profiles.members(name, '', 1);
    console.log(`${name}: ${count} of ${profiles} profiles are members`);
  } finally {
    bar.stop();
    await tailor.close();
  }
}
