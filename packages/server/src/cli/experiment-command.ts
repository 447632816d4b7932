import { buildServices } from '../build-services.js';
import { formatResultsTable } from '../experiments/format-results-table.js';
import { openTailor } from '../open-tailor.js';
import { readConfig } from './read-config.js';

interface ResultsFlags {
  data?: string;
  config?: string;
  table?: boolean;
}

/**
 * `tailor experiment results NAME`: the experiment's results computed from the log (one pass), as
 * the JSON `GET /v1/experiments/NAME/results` returns, or a table with `--table`. It only reads, so
 * it may run beside a running server.
 */
export async function experimentResultsCommand(name: string, flags: ResultsFlags): Promise<void> {
  const config = readConfig({ dataDir: flags.data, logLevel: 'silent' }, flags.config);
  const tailor = await openTailor(config);
  try {
    const results = await buildServices(tailor).experiments.results(name);
    console.log(
      flags.table === true ? formatResultsTable(results) : JSON.stringify(results, null, 2),
    );
  } finally {
    await tailor.close();
  }
}
