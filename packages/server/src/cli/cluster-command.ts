import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { stringify } from 'csv-stringify/sync';
import {
  CLUSTER_METHODS,
  clusterFeatures,
  DEFAULT_K_RANGE,
  describePersonas,
  SCALES,
  TailorError,
  type ClusterMethod,
  type FeatureMatrix,
  type Scale,
} from '@tailor/core';
import { kmeansThreads } from '../clusters/kmeans-thread-pool.js';
import { readFeatureTable } from '../models/read-feature-table.js';
import { parseColumnList } from './parse-column-list.js';

interface ClusterFlags {
  id: string;
  features: string[];
  method: ClusterMethod;
  k: number | 'auto';
  maxK: number;
  eps: number;
  minSamples: number;
  scale: Scale | 'auto';
  seed: number;
  unit: string;
  out: string;
}

function kValue(value: string): number | 'auto' {
  if (value === 'auto') return value;
  const k = Number(value);
  if (!(Number.isInteger(k) && k >= 1))
    throw new InvalidArgumentError('a whole number from 1, or auto');
  return k;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(value.trim() !== '' && Number.isFinite(n) && n > 0))
    throw new InvalidArgumentError('a number above 0');
  return n;
}

/** The rows of a matrix whose label is a cluster (not DBSCAN's noise), with their labels. */
function clusteredRows(
  matrix: FeatureMatrix,
  labels: Int32Array,
): { matrix: FeatureMatrix; labels: Int32Array } {
  const kept = Array.from(labels.keys()).filter((i) => (labels[i] ?? -1) >= 0);
  if (kept.length === matrix.rows) return { matrix, labels };
  const { columns } = matrix;
  const values = new Float64Array(kept.length * columns);
  kept.forEach((i, r) => {
    values.set(matrix.values.subarray(i * columns, (i + 1) * columns), r * columns);
  });
  return {
    matrix: { values, rows: kept.length, columns },
    labels: Int32Array.from(kept, (i) => labels[i] ?? -1),
  };
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
      'clustering of the rows of a table (k-means, Gaussian mixture, Ward or DBSCAN): prints k, silhouette, inertia, sizes and centroids as JSON',
    )
    .argument('<file>', 'a CSV file with a header row, one row per thing to cluster')
    .requiredOption('--id <column>', 'the column naming each row (kept as written)')
    .requiredOption(
      '--features <columns>',
      'the numeric columns to cluster on, comma-separated',
      parseColumnList,
    )
    .addOption(
      new Option(
        '--method <method>',
        'kmeans (any size), gmm (Gaussian mixture, k by BIC), ward (hierarchical, up to 5,000 rows) or dbscan (density; finds k, leaves noise as -1)',
      )
        .choices([...CLUSTER_METHODS])
        .default('kmeans'),
    )
    .option(
      '--eps <distance>',
      'dbscan: the neighbourhood radius, in the prepared (scaled) space',
      positiveNumber,
      0.5,
    )
    .option(
      '--min-samples <n>',
      'dbscan: neighbours (the row itself counted) that make a core row',
      wholeNumber(1),
      5,
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
    method: flags.method,
    eps: flags.eps,
    minSamples: flags.minSamples,
    k: flags.k,
    scale: flags.scale,
    kRange: [DEFAULT_K_RANGE[0], flags.maxK],
    seed: flags.seed,
    threads: kmeansThreads(),
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
  // Personas describe the clustered rows: DBSCAN's noise is in no cluster.
  const clustered = clusteredRows(matrix, clustering.labels);
  const summary = {
    k: clustering.k,
    silhouette: clustering.silhouette === null ? null : round(clustering.silhouette),
    inertia: round(clustering.inertia),
    rows: matrix.rows,
    scale: clustering.scale,
    method: clustering.method,
    algorithm: clustering.algorithm,
    noise: clustering.noise,
    bic: clustering.bic === null ? null : round(clustering.bic),
    sizes: clustering.sizes,
    centroids: clustering.centroids.map((centroid) =>
      Object.fromEntries(flags.features.map((name, j) => [name, round(centroid[j] ?? NaN)])),
    ),
    personas: describePersonas(clustered.matrix, clustered.labels, clustering.k, flags.features, {
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
      ...(c.bic === undefined ? {} : { bic: round(c.bic) }),
    })),
  };
  console.log(JSON.stringify(summary, null, 2));
}
