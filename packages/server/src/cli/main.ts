import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { catalogImportCommand } from './catalog-command.js';
import { clvCommand } from './clv-command.js';
import { experimentResultsCommand } from './experiment-command.js';
import { importCommand } from './import-command.js';
import {
  keysCreateCommand,
  keysInitCommand,
  keysRetireCommand,
  keysRotateCommand,
} from './keys-command.js';
import { matchCommand } from './match-command.js';
import { profileCommand } from './profile-command.js';
import { journeyDryRunCommand } from './journey-command.js';
import { segmentsBackfillCommand } from './segments-command.js';
import { serveCommand } from './serve-command.js';
import { sourcesSyncCommand } from './sources-command.js';
import { modelsTrainCommand } from './models-command.js';
import { migrateCommand } from './migrate-command.js';
import { registerModelCommands } from './model-command.js';
import { registerClusterCommand } from './cluster-command.js';
import { registerRecommendCommands } from './recommend-command.js';
import { registerReportCommand } from './report-command.js';

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('not an integer');
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!(value.trim() !== '' && n > 0 && Number.isFinite(n)))
    throw new InvalidArgumentError('not a positive number');
  return n;
}

/** The version of the package this command comes from (its package.json, two folders up from src/cli or dist/cli). */
function packageVersion(): string {
  return (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
}

/** The `tailor` command. Options given here win over TAILOR_* variables and the config file. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('tailor')
    .description('Tailor: customer data platform and real-time personalization')
    .version(packageVersion(), '-V, --version', 'print the version');
  program
    .command('serve')
    .description('start the server: on the embedded store, or as a node on PostgreSQL and NATS')
    .option('--port <n>', 'port to listen on (TAILOR_PORT, default 7700)', integer)
    .option('--host <host>', 'address to listen on (TAILOR_HOST, default 127.0.0.1)')
    .option('--data <dir>', 'data folder, created if missing (TAILOR_DATA, default .tailor)')
    .option(
      '--config <file>',
      'JSON config file (TAILOR_CONFIG, default ./tailor.config.json if present)',
    )
    .option(
      '--default-region <cc>',
      'region for national phone numbers (TAILOR_DEFAULT_REGION, default US)',
    )
    .option(
      '--log-level <level>',
      'fatal, error, warn, info, debug, trace or silent (TAILOR_LOG_LEVEL)',
    )
    .option('--demo', 'load generated demo data when the log is empty')
    .option(
      '--postgres <url>',
      'run on PostgreSQL (with --nats): state in this database (TAILOR_POSTGRES_URL)',
    )
    .option(
      '--nats <url>',
      'run on NATS JetStream (with --postgres): the event log on this server (TAILOR_NATS_URL)',
    )
    .action(serveCommand);
  program
    .command('import')
    .description('bulk import a JSONL file of Segment messages or a CSV file')
    .argument('<file>', 'a .jsonl/.ndjson or .csv file')
    .option('--data <dir>', 'data folder (TAILOR_DATA, default .tailor)')
    .option('--config <file>', 'JSON config file')
    .option('--format <format>', 'jsonl or csv (default: from the file name)')
    .option('--mapping <file>', 'CSV column mapping (JSON); default: headers name message paths')
    .option('--rejects <file>', 'where rejected lines go (default FILE.rejects.jsonl)')
    .action(importCommand);
  program
    .command('catalog')
    .description('the item catalogue recommenders serve from')
    .command('import')
    .description(
      'import catalogue items from a CSV file (id or product_id, sku, name, category, brand, price, available; other columns are attributes)',
    )
    .argument('<file>', 'a CSV file with a header row')
    .option('--data <dir>', 'data folder (TAILOR_DATA, default .tailor)')
    .option('--config <file>', 'JSON config file')
    .option('--rejects <file>', 'where rejected rows go (default FILE.rejects.jsonl)')
    .action(catalogImportCommand);
  program
    .command('sources')
    .description('database sources (defined with PUT /v1/sources/NAME)')
    .command('sync')
    .description('sync a source now: the rows past its cursor, with a progress bar')
    .argument('<name>', 'the source')
    .option('--data <dir>', 'data folder (TAILOR_DATA, default .tailor)')
    .option('--config <file>', 'JSON config file')
    .action(sourcesSyncCommand);
  program
    .command('models')
    .description('the model registry (models defined with PUT /v1/models/NAME)')
    .command('train')
    .description('train a new version of a model from the log now, with a progress bar')
    .argument('<name>', 'the model')
    .option('--data <dir>', 'data folder (TAILOR_DATA, default .tailor)')
    .option('--config <file>', 'JSON config file')
    .option(
      '--url <url>',
      'a running server to train on (http://host:port), instead of the data folder',
    )
    .option('--key <key>', 'with --url: an API key that may train (default TAILOR_API_KEY)')
    .action(modelsTrainCommand);
  program
    .command('match')
    .description('probabilistic record matching: dedup one CSV, or link two (Fellegi–Sunter)')
    .argument('<left>', 'a CSV file with a header row')
    .argument('[right]', 'a second CSV to link to the first')
    .requiredOption('--id <column>', 'the column that names each record')
    .requiredOption(
      '--out <file>',
      'where the pairs go (CSV: left_id,right_id,weight,probability,decision)',
    )
    .option(
      '--config <file>',
      'JSON overriding the chosen fields, comparators, blocking keys and thresholds',
    )
    .action(matchCommand);
  program
    .command('clv')
    .description(
      'customer lifetime value: fits BG/NBD (purchases) and Gamma-Gamma (spend) to transactions',
    )
    .argument('<file>', 'a CSV file of transactions with a header row')
    .requiredOption('--customer <column>', 'the column naming the customer (kept as written)')
    .requiredOption(
      '--date <column>',
      'the column of ISO 8601 dates (2024-03-01, 20240301; a date-time counts as its day)',
    )
    .requiredOption('--amount <column>', 'the column of amounts spent')
    .requiredOption('--until <date>', 'the last day of the calibration period (included)')
    .addOption(
      new Option('--unit <unit>', 'the unit of time').choices(['week', 'day']).default('week'),
    )
    .option('--horizon <n>', 'units to predict ahead (default 52 weeks)', positive)
    .option('--json', 'print the fitted parameters as JSON')
    .option(
      '--out <file>',
      'where the customers go (CSV: customer,x,t_x,T,expected_purchases,p_alive,expected_spend,clv)',
    )
    .action(clvCommand);
  program
    .command('segments')
    .description('segments: maintenance commands')
    .command('backfill')
    .description('re-evaluate every profile for a segment from the log, with a progress bar')
    .argument('<name>', 'the segment')
    .option('--data <dir>', 'data folder (TAILOR_DATA, default .tailor)')
    .option('--config <file>', 'JSON config file')
    .action(segmentsBackfillCommand);
  program
    .command('experiment')
    .description('experiments: results')
    .command('results')
    .description(
      "an experiment's results from the log: per variant and metric, with the sample ratio check",
    )
    .argument('<name>', 'the experiment')
    .option('--data <dir>', 'data folder (TAILOR_DATA, default .tailor)')
    .option('--config <file>', 'JSON config file')
    .option('--table', 'print a readable table instead of JSON')
    .action(experimentResultsCommand);
  const keys = program
    .command('keys')
    .description('API keys and encryption keys: maintenance commands');
  keys
    .command('create')
    .description(
      'make a new API key in the data folder and print it once (the way back in when the keys printed at the first start are lost)',
    )
    .argument('<name>', 'the key\'s name (letters, digits, ".", "_", "-")')
    .addOption(
      new Option('--role <role>', 'what the key may do')
        .choices(['write', 'viewer', 'marketer', 'admin'])
        .makeOptionMandatory(),
    )
    .option('--replace', 'revoke an existing key of that name and make a new one')
    .option('--data <dir>', 'data folder (TAILOR_DATA, default .tailor)')
    .option('--config <file>', 'JSON config file')
    .action(keysCreateCommand);
  keys
    .command('init')
    .description(
      'make a new encryption keyring in FILE, for the nodes of one installation on PostgreSQL and NATS (TAILOR_ENCRYPTION_KEY_FILE)',
    )
    .argument('<file>', 'where to write it (never overwritten)')
    .action(keysInitCommand);
  keys
    .command('rotate')
    .description(
      'a new data key; every encrypted value resealed under it, old keys removed (encrypts a folder written without encryption)',
    )
    .option('--data <dir>', 'data folder (TAILOR_DATA, default .tailor)')
    .option('--config <file>', 'JSON config file')
    .option('--index', 'also a new key for the blind index identifiers are looked up by')
    .action(keysRotateCommand);
  keys
    .command('retire')
    .description(
      'drop from the key file the older data keys nothing is sealed under any more (on PostgreSQL and NATS a rotation keeps them while the event stream holds messages sealed under them)',
    )
    .option('--data <dir>', 'data folder (TAILOR_DATA, default .tailor)')
    .option('--config <file>', 'JSON config file')
    .action(keysRetireCommand);
  program
    .command('migrate')
    .description(
      "bring every store to this Tailor's schema (serve does it at start) and print each one's version before and after",
    )
    .option('--data <dir>', 'data folder (TAILOR_DATA, default .tailor)')
    .option('--config <file>', 'JSON config file')
    .action(migrateCommand);
  program
    .command('profile')
    .description('print the profile holding an identifier, as JSON')
    .argument(
      '<identifier>',
      'TYPE:VALUE, e.g. userId:u-42, email:ann@example.com, phone:+14155550100',
    )
    .option('--data <dir>', 'data folder (TAILOR_DATA, default .tailor)')
    .option('--config <file>', 'JSON config file')
    .option('--provenance', 'include the source, messageId and timestamp of each trait')
    .action(profileCommand);
  program
    .command('journey')
    .description('journeys')
    .command('dry-run <name> <identifier>')
    .description(
      'which steps and emails the person holding TYPE:VALUE would get entering the journey now (JSON); nothing is sent',
    )
    .option('--data <dir>', 'data folder (TAILOR_DATA, default .tailor)')
    .option('--config <file>', 'JSON config file')
    .action(journeyDryRunCommand);
  registerModelCommands(program);
  registerClusterCommand(program);
  registerRecommendCommands(program);
  registerReportCommand(program);
  await program.parseAsync(argv);
}
