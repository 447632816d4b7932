import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { stringify } from 'csv-stringify/sync';
import { inferMatchConfig, matchRecords, TailorError, type MatchResult } from '@tailor/core';
import { readMatchFile } from '../matching/read-match-file.js';
import { readMatchOverrides } from '../matching/read-match-overrides.js';

interface MatchFlags {
  id: string;
  out: string;
  config?: string;
}

/**
 * `tailor match LEFT.csv [RIGHT.csv] --id COLUMN --out PAIRS.csv`: deduplicates one file or links
 * two with Fellegi–Sunter matching; prints what it chose and learned, writes the pairs.
 */
export function matchCommand(left: string, right: string | undefined, flags: MatchFlags): void {
  const leftRecords = readMatchFile(left, flags.id);
  const rightRecords = right === undefined ? undefined : readMatchFile(right, flags.id);
  const all = rightRecords ? [...leftRecords, ...rightRecords] : leftRecords;
  const overrides =
    flags.config === undefined ? {} : readMatchOverrides(readJson(flags.config), all);
  const config = inferMatchConfig(
    rightRecords ? [leftRecords, rightRecords] : [leftRecords],
    overrides,
  );
  if (config.fields.length === 0)
    throw new TailorError('invalid_request', 'no column besides the id has values to compare');

  const bar = new SingleBar(
    {
      format: '{stage} {bar} {percentage}% | {value}/{total}',
      hideCursor: true,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  bar.start(1, 0, { stage: 'blocking' });
  const result = matchRecords(leftRecords, rightRecords, config, {
    onProgress: (stage, done, total) => {
      bar.setTotal(Math.max(1, total));
      bar.update(done, { stage });
    },
  });
  bar.stop();

  const rows = result.pairs.map((p) => [
    p.leftId,
    p.rightId,
    p.weight.toFixed(4),
    p.probability.toFixed(6),
    p.decision,
  ]);
  mkdirSync(dirname(flags.out), { recursive: true });
  writeFileSync(
    flags.out,
    stringify([['left_id', 'right_id', 'weight', 'probability', 'decision'], ...rows]),
  );
  console.error(describe(result, config.blocking));
  const matches = result.pairs.filter((p) => p.decision === 'match').length;
  console.log(
    `${matches} matches and ${result.pairs.length - matches} pairs to review written to ${flags.out}`,
  );
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TailorError('invalid_request', `match config ${file}: ${(error as Error).message}`);
  }
}

function describe(
  result: MatchResult,
  blocking: ReturnType<typeof inferMatchConfig>['blocking'],
): string {
  const lines = [
    `${result.stats.records} records, ${result.stats.candidatePairs} candidate pairs from ${result.stats.blocks} blocks` +
      (result.stats.skippedBlocks > 0
        ? ` (${result.stats.skippedBlocks} oversized blocks skipped)`
        : ''),
    `blocking (union): ${blocking.map((k) => k.map((p) => `${p.field}${p.transform === 'exact' ? '' : `:${p.transform}`}`).join('+')).join(' | ')}`,
    `EM: ${result.model.iterations} iterations${result.model.converged ? '' : ' (not converged)'}, match share ${result.model.prior.toFixed(4)}`,
    `thresholds: match at p >= ${result.thresholds.upper} (weight ${result.thresholds.upperWeight.toFixed(2)}), review at p >= ${result.thresholds.lower} (weight ${result.thresholds.lowerWeight.toFixed(2)})`,
    'field (comparator): level m/u weight',
    ...result.model.fields.map(
      (f) =>
        `  ${f.name} (${f.comparator}${f.swapWith === undefined ? '' : `, or swapped with ${f.swapWith}`}): ` +
        f.levels
          .map(
            (l) =>
              `${l.name} ${l.m.toFixed(3)}/${l.u.toFixed(3)} ${l.weight >= 0 ? '+' : ''}${l.weight.toFixed(2)}`,
          )
          .join(', '),
    ),
  ];
  return lines.join('\n');
}
