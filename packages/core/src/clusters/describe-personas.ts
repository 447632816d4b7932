import type { FeatureMatrix, Scale } from './clusters.schema.js';

/** A feature that sets a cluster apart from the population. */
export interface PersonaTrait {
  feature: string;
  direction: 'high' | 'low';
  /**
   * The cluster's mean minus the population's, in population standard deviations, on the scale the
   * clustering used (after log1p for log-standard): a standardized mean difference.
   */
  effect: number;
  /** Medians in the original units (for a category's level, the share holding it, 0 to 1). */
  clusterMedian: number;
  populationMedian: number;
}

/** A cluster described for a marketer. */
export interface Persona {
  cluster: number;
  size: number;
  /** The cluster's share of the rows, 0 to 1. */
  share: number;
  /** A default name from its two most distinctive traits; the marketer may rename it. */
  name: string;
  /** One sentence: its traits, its share and its medians. */
  description: string;
  /** Features whose effect is at least `minEffect` in size, largest first. */
  traits: PersonaTrait[];
  /** Each feature's median in the cluster, original units (a level's share, 0 to 1). */
  medians: Record<string, number>;
}

export interface PersonaOptions {
  /** The scale the clustering prepared features with: effects are measured after log1p for log-standard. */
  scale: Scale;
  /** What a row is, for the description ("customers" by default). */
  unit?: string;
  /** The smallest effect size that counts as setting a cluster apart (default 0.5). */
  minEffect?: number;
  /** At most this many traits per persona (default 3). */
  maxTraits?: number;
  /**
   * Per feature, the category level a 0/1 column stands for (undefined for a number): never
   * logged, described by the share holding it ("often plan: pro ... plan: pro 92 %").
   */
  levels?: readonly (string | undefined)[];
}

/** An effect this large reads "very high" / "very low". */
const VERY = 1.5;

/**
 * Personas for a partition: for each cluster, the features that set it apart from the whole
 * population, ranked by effect size (the standardized mean difference, on the clustering's own
 * scale so a skewed amount is compared as the clustering compared it), in words a marketer reads:
 * "high monetary, high frequency, low recency: 38 % of customers; median monetary 2,063, ...".
 * Default names are made unique by numbering repeats.
 */
export function describePersonas(
  matrix: FeatureMatrix,
  labels: Int32Array,
  k: number,
  features: readonly string[],
  options: PersonaOptions,
): Persona[] {
  const { rows, columns } = matrix;
  const unit = options.unit ?? 'customers';
  const minEffect = options.minEffect ?? 0.5;
  const maxTraits = options.maxTraits ?? 3;
  const logged = options.scale === 'log-standard';
  const isLevel = features.map((_, j) => options.levels?.[j] !== undefined);
  const at = (i: number, j: number): number => matrix.values[i * columns + j] as number;
  const scaled = (v: number, j: number): number => (logged && !isLevel[j] ? Math.log1p(v) : v);

  const sizes = new Array<number>(k).fill(0);
  for (const label of labels) sizes[label] = (sizes[label] as number) + 1;
  const mean = new Float64Array(columns);
  const sd = new Float64Array(columns);
  const clusterMean = Array.from({ length: k }, () => new Float64Array(columns));
  for (let i = 0; i < rows; i++) {
    const c = labels[i] as number;
    for (let j = 0; j < columns; j++) {
      const v = scaled(at(i, j), j);
      mean[j] = (mean[j] as number) + v;
      (clusterMean[c] as Float64Array)[j] = ((clusterMean[c] as Float64Array)[j] as number) + v;
    }
  }
  for (let j = 0; j < columns; j++) mean[j] = (mean[j] as number) / rows;
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < columns; j++)
      sd[j] = (sd[j] as number) + (scaled(at(i, j), j) - (mean[j] as number)) ** 2;
  for (let j = 0; j < columns; j++) sd[j] = Math.sqrt((sd[j] as number) / rows);

  // A level's "median" is its share: the mean of its 0/1 column.
  const middle = (values: number[], j: number): number =>
    isLevel[j] ? (values.length === 0 ? Number.NaN : sum(values) / values.length) : median(values);
  const populationMedians = features.map((_, j) =>
    middle(
      Array.from({ length: rows }, (_, i) => at(i, j)),
      j,
    ),
  );
  const byCluster: number[][] = Array.from({ length: k }, () => []);
  labels.forEach((c, i) => byCluster[c]?.push(i));

  const personas = byCluster.map((members, c): Persona => {
    const size = sizes[c] as number;
    const medians = features.map((_, j) =>
      middle(
        members.map((i) => at(i, j)),
        j,
      ),
    );
    const traits: PersonaTrait[] = [];
    features.forEach((feature, j) => {
      const deviation = sd[j] as number;
      if (size === 0 || deviation === 0) return;
      const effect =
        (((clusterMean[c] as Float64Array)[j] as number) / size - (mean[j] as number)) / deviation;
      if (Math.abs(effect) < minEffect) return;
      traits.push({
        feature,
        direction: effect > 0 ? 'high' : 'low',
        effect,
        clusterMedian: medians[j] as number,
        populationMedian: populationMedians[j] as number,
      });
    });
    traits.sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect));
    traits.splice(maxTraits);
    const words = traits.map((t) => traitWords(t, isLevel[features.indexOf(t.feature)] === true));
    const share = rows === 0 ? 0 : size / rows;
    const percent = `${formatNumber(share * 100)} % of ${unit}`;
    const shown = traits.length > 0 ? traits.map((t) => t.feature) : features.slice(0, 3);
    const medianWords = shown
      .map((f) => {
        const j = features.indexOf(f);
        const m = medians[j] as number;
        return isLevel[j] ? `${f} ${formatNumber(m * 100)} %` : `median ${f} ${formatNumber(m)}`;
      })
      .join(', ');
    return {
      cluster: c,
      size,
      share,
      name: words.length > 0 ? words.slice(0, 2).join(', ') : 'typical',
      description: `${words.length > 0 ? words.join(', ') : 'typical on every feature'}: ${percent}; ${medianWords}`,
      traits,
      medians: Object.fromEntries(features.map((f, j) => [f, medians[j] as number])),
    };
  });
  const seen = new Map<string, number>();
  for (const p of personas) {
    const n = (seen.get(p.name) ?? 0) + 1;
    seen.set(p.name, n);
    if (n > 1) p.name = `${p.name} (${n})`;
  }
  return personas;
}

/** "very high spend", "low recency"; for a category's level "often plan: pro", "seldom plan: pro". */
function traitWords(t: PersonaTrait, level: boolean): string {
  const very = Math.abs(t.effect) >= VERY;
  if (level) return `${t.direction === 'low' ? 'seldom' : very ? 'mostly' : 'often'} ${t.feature}`;
  return `${very ? 'very ' : ''}${t.direction} ${t.feature}`;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** The median (the mean of the middle two for an even count); NaN for none. */
function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A figure as a marketer reads it: thousands separated, two decimals below 10, none from 100. */
function formatNumber(value: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits });
}
