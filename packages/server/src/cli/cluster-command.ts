import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { stringify } from 'csv-stringify/sync';
import {
  clusterFeatures,
  DEFAULT_K_RANGE,
  describePersonas,
  SCALES,
  TailorError,
  type Scale,
} from '@tailor/core';
import { readFeatureTable } from '../models/read-feature-table.js';

interface ClusterFlags {
  id: string;
  features: string[];
  k: number | 'auto';
  maxK: number;
  scale: Scale | 'auto';
  seed: number;
  unit: string;
  out: string;
}

/** `--features A,B,C`: the names, none empty, none twice. */
function featureList(value: string): string[] {
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) throw new InvalidArgumentError('an empty column name');
  if (new Set(names).size !== names.length) throw new InvalidArgumentError('a column named twice');
  return names;
}

function kValue(value: string): number | 'auto' {
  if (value === 'auto') return value;
  const k = Number(value);
  if (!(Number.isInteger(k) && k >= 1))
    throw new InvalidArgumentError('a whole number from 1, or auto');
  return k;
}

function wholeNumber(minimum: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!(value.trim() !== '' && Number.isInteger(n) && n >= minimum))
      throw new InvalidArgumentError(`a whole number from ${minimum}`);
    return n;
  };
}

/** Registers `tailor cluster`. */
export function registerClusterCommand(program: Command): void {
  program
    .command('cluster')
    .description(
      'k-means clustering of the rows of a table: prints k, silhouette, inertia, sizes and centroids as JSON',
    )
    .argument('<file>', 'a CSV file with a header row, one row per thing to cluster')
    .requiredOption('--id <column>', 'the column naming each row (kept as written)')
    .requiredOption(
      '--features <columns>',
      'the numeric columns to cluster on, comma-separated',
      featureList,
    )
    .option(
      '--k <n>',
      `the number of clusters, or auto: the best silhouette from ${DEFAULT_K_RANGE[0]} to --max-k`,
      kValue,
      'auto' as const,
    )
    .option('--max-k <n>', 'the largest k auto tries', wholeNumber(2), DEFAULT_K_RANGE[1])
    .addOption(
      new Option(
        '--scale <scale>',
        'feature preparation; auto: log-standard for skewed non-negative features, else standard',
      )
        .choices(['auto', ...SCALES])
        .default('auto'),
    )
    .option(
      '--seed <n>',
      'seed of the k-means++ starts and the silhouette sample',
      wholeNumber(0),
      0,
    )
    .option('--unit <word>', "what a row is, in the personas' descriptions", 'rows')
    .requiredOption(
      '--out <file>',
      'where the assignments go (CSV: id,cluster); folders are created',
    )
    .action(clusterCommand);
}

/**
 * `tailor cluster FILE.csv --id COL --features A,B --out FILE.csv`: reads the table, clusters its
 * rows (core's clusterFeatures), writes `id,cluster` per row and prints the summary as JSON.
 */
export function clusterCommand(file: string, flags: ClusterFlags): void {
  const { ids, matrix } = readFeatureTable(file, flags.id, flags.features);
  console.error(
    `${matrix.rows} rows read from ${file}; clustering on ${flags.features.join(', ')}`,
  );
  const result = clusterFeatures(matrix, {
    k: flags.k,
    scale: flags.scale,
    kRange: [DEFAULT_K_RANGE[0], flags.maxK],
    seed: flags.seed,
  });
  if (!result.ok) throw new TailorError('invalid_request', `${file}: ${result.error}`);
  const clustering = result.value;
  mkdirSync(dirname(flags.out), { recursive: true });
  writeFileSync(
    flags.out,
    stringify([['id', 'cluster'], ...ids.map((id, i) => [id, String(clustering.labels[i])])]),
  );
  console.error(`${ids.length} assignments written to ${flags.out}`);
  const round = (v: number) => Number(v.toPrecision(6));
  const summary = {
    k: clustering.k,
    silhouette: clustering.silhouette === null ? null : round(clustering.silhouette),
    inertia: round(clustering.inertia),
    rows: matrix.rows,
    scale: clustering.scale,
    algorithm: clustering.algorithm,
    sizes: clustering.sizes,
    centroids: clustering.centroids.map((centroid) =>
      Object.fromEntries(flags.features.map((name, j) => [name, round(centroid[j] ?? NaN)])),
    ),
    personas: describePersonas(matrix, clustering.labels, clustering.k, flags.features, {
      scale: clustering.scale,
      unit: flags.unit,
    }).map((p) => ({
      cluster: p.cluster,
      name: p.name,
      description: p.description,
      traits: p.traits.map((t) => ({ ...t, effect: round(t.effect) })),
    })),
    candidates: clustering.candidates.map((c) => ({
      k: c.k,
      silhouette: round(c.silhouette),
      inertia: round(c.inertia),
    })),
  };
  console.log(JSON.stringify(summary, null, 2));
}
