import { TailorError } from '@tailor/core';
import { buildServices } from '../build-services.js';
import { openTailor } from '../open-tailor.js';
import { readConfig } from './read-config.js';

interface JourneyDryRunFlags {
  data?: string;
  config?: string;
}

/**
 * Prints, as JSON, which steps and emails the person holding TYPE:VALUE would get entering the
 * journey now (the same answer as POST /v1/journeys/NAME/dry-run); nothing is sent or stored.
 * Events not yet folded are folded first, as `tailor profile` does.
 */
export async function journeyDryRunCommand(
  name: string,
  identifier: string,
  flags: JourneyDryRunFlags,
): Promise<void> {
  const config = readConfig({ dataDir: flags.data, logLevel: 'silent' }, flags.config);
  const tailor = await openTailor(config);
  try {
    await tailor.pipeline.catchUp();
    const person = await buildServices(tailor).profiles.holder(identifier);
    const run = await tailor.journeys.runner.dryRun(name, person.id);
    if (run === undefined) throw new TailorError('not_found', `no journey ${name}`);
    console.log(JSON.stringify(run, null, 2));
  } finally {
    await tailor.close();
  }
}
