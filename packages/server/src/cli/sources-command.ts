import { Presets, SingleBar } from 'cli-progress';
import { buildServices } from '../build-services.js';
import { openTailor } from '../open-tailor.js';
import { readConfig } from './read-config.js';

/** `tailor sources sync NAME`: one sync of a defined source, with its progress; the status as JSON at the end. */
export async function sourcesSyncCommand(
  name: string,
  flags: { data?: string; config?: string },
): Promise<void> {
  const config = readConfig({ dataDir: flags.data, logLevel: 'silent' }, flags.config);
  const tailor = await openTailor(config);
  const bar = new SingleBar(
    {
      format: `syncing ${name} | {rows} rows read | {stored} stored, {duplicates} already there, {rejected} rejected`,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  try {
    bar.start(1, 0, { rows: 0, stored: 0, duplicates: 0, rejected: 0 });
    const status = await buildServices(tailor).sources.sync(name, (s) => {
      bar.update(0, {
        rows: s.rowsRead,
        stored: s.messagesStored,
        duplicates: s.duplicates,
        rejected: s.rejected.length,
      });
    });
    bar.update(1);
    bar.stop();
    console.log(JSON.stringify(status));
  } finally {
    bar.stop();
    await tailor.close();
  }
}
