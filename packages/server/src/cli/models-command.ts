import { Presets, SingleBar } from 'cli-progress';
import { openTailor } from '../open-tailor.js';
import { readConfig } from './read-config.js';

/**
 * `tailor models train NAME`: trains a new version of a defined model from the data folder's log,
 * with a progress bar over the log positions read, then prints the version recorded as JSON.
 * Run it with the server stopped (it opens the data folder), as the other maintenance commands.
 */
export async function modelsTrainCommand(
  name: string,
  flags: { data?: string; config?: string },
): Promise<void> {
  const config = readConfig({ dataDir: flags.data, logLevel: 'silent' }, flags.config);
  const tailor = await openTailor(config);
  const bar = new SingleBar(
    { format: `training ${name} | {bar} | {value}/{total} log positions read`, hideCursor: true },
    Presets.shades_classic,
  );
  try {
    bar.start(1, 0);
    const version = await tailor.models.train(name, ({ done, total }) => {
      bar.setTotal(Math.max(total, 1));
      bar.update(done);
    });
    bar.stop();
    console.log(JSON.stringify(version));
  } finally {
    bar.stop();
    await tailor.close();
  }
}
