import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, Option } from 'commander';
import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import {
  AttributionRequest,
  FunnelRequest,
  KpiRequest,
  QualityQuery,
  RetentionRequest,
  TailorError,
} from '@tailor/core';
import { buildServices, type Services } from '../build-services.js';
import { openTailor } from '../open-tailor.js';
import {
  attributionCsv,
  funnelCsv,
  kpisCsv,
  qualityCsv,
  retentionCsv,
} from '../reports/report-csv.js';
import { readConfig } from './read-config.js';

/** A report as the command runs it: its request's schema, the service call, its CSV form if any. */
interface Report {
  schema: TSchema;
  run: (services: Services, body: unknown) => Promise<unknown>;
  csv?: (body: unknown, result: unknown) => string;
}

/** A Report from typed parts (the body is checked against `schema` before `run` sees it). */
function report<B, R>(
  schema: TSchema,
  run: (services: Services, body: B) => Promise<R>,
  csv?: (body: B, result: R) => string,
): Report {
  return {
    schema,
    run: run as Report['run'],
    ...(csv === undefined ? {} : { csv: csv as Report['csv'] }),
  };
}

const REPORTS: Record<string, Report> = {
  attribution: report(
    AttributionRequest,
    (s, body: AttributionRequest) => s.attribution.attribution(body),
    (_body, result) => attributionCsv(result),
  ),
  funnel: report(
    FunnelRequest,
    (s, body: FunnelRequest) => s.funnels.funnel(body),
    (body, result) => funnelCsv(body, result),
  ),
  retention: report(
    RetentionRequest,
    (s, body: RetentionRequest) => s.retention.retention(body),
    (_body, result) => retentionCsv(result),
  ),
  kpis: report(
    KpiRequest,
    (s, body: KpiRequest) => s.kpis.kpis(body),
    (_body, result) => kpisCsv(result),
  ),
  quality: report(
    QualityQuery,
    (s, body: QualityQuery) => s.quality.quality(body),
    (_body, result) => qualityCsv(result),
  ),
};

interface ReportFlags {
  data?: string;
  config?: string;
  body?: string;
  bodyFile?: string;
  csv?: boolean;
  out?: string;
}

/** Registers `tailor report KIND`. */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      'runs a report over the log, as the HTTP API does (docs/reports.md): JSON to standard output, or CSV',
    )
    .addArgument(program.createArgument('<kind>', 'which report').choices(Object.keys(REPORTS)))
    .option(
      '--body <json>',
      'the request, as POST /v1/reports/KIND takes it (quality: its query as JSON)',
    )
    .option('--body-file <file>', 'the request from a JSON file')
    .option('--data <dir>', 'data folder (TAILOR_DATA, default .tailor)')
    .option('--config <file>', 'JSON config file')
    .addOption(new Option('--csv', 'CSV instead of JSON'))
    .option('--out <file>', 'write to this file (folders are created) instead of standard output')
    .action(reportCommand);
}

export async function reportCommand(kind: string, flags: ReportFlags): Promise<void> {
  const chosen = REPORTS[kind];
  if (chosen === undefined) throw new TailorError('invalid_request', `no report named ${kind}`);
  if (flags.csv === true && chosen.csv === undefined)
    throw new TailorError('invalid_request', `the ${kind} report has no CSV form; leave out --csv`);
  const body = readBody(flags, chosen.schema, kind);
  const config = readConfig({ dataDir: flags.data, logLevel: 'silent' }, flags.config);
  const tailor = await openTailor(config);
  try {
    await tailor.pipeline.catchUp();
    const result = await chosen.run(buildServices(tailor), body);
    const text =
      flags.csv === true && chosen.csv !== undefined
        ? chosen.csv(body, result)
        : `${JSON.stringify(result, null, 2)}\n`;
    if (flags.out === undefined) process.stdout.write(text);
    else {
      mkdirSync(dirname(flags.out), { recursive: true });
      writeFileSync(flags.out, text);
      console.error(`${kind} report written to ${flags.out}`);
    }
  } finally {
    await tailor.close();
  }
}

/** The request from --body or --body-file (quality may have none), checked against its schema. */
function readBody(flags: ReportFlags, schema: TSchema, kind: string): unknown {
  if (flags.body !== undefined && flags.bodyFile !== undefined)
    throw new TailorError('invalid_request', 'give --body or --body-file, not both');
  let text = flags.body;
  if (flags.bodyFile !== undefined) {
    try {
      text = readFileSync(flags.bodyFile, 'utf8');
    } catch (error) {
      throw new TailorError(
        'invalid_request',
        `cannot read ${flags.bodyFile}: ${(error as Error).message}`,
      );
    }
  }
  let body: unknown = {};
  if (text !== undefined) {
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new TailorError(
        'invalid_request',
        `the ${kind} request is not JSON: ${(error as Error).message}`,
      );
    }
  }
  const check = Compile(schema);
  if (!check.Check(body)) {
    const problems = [...check.Errors(body)]
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new TailorError('invalid_request', `invalid ${kind} request: ${problems.join('; ')}`);
  }
  return body;
}
