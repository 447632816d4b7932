/** One sample of Prometheus text: each series' value, by metric name and label text. */
export type MetricSamples = Map<string, { labels: Record<string, string>; value: number }[]>;

const LINE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** Parses the Prometheus text format that GET /metrics answers (comments skipped). */
export function parseMetrics(text: string): MetricSamples {
  const samples: MetricSamples = new Map();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const [, name = '', labelText = '', raw = ''] = match;
    const labels: Record<string, string> = {};
    for (const [, key = '', value = ''] of labelText.matchAll(LABEL)) {
      labels[key] = value.replace(/\\(.)/g, (_all, c: string) => (c === 'n' ? '\n' : c));
    }
    const series = samples.get(name) ?? [];
    series.push({ labels, value: Number(raw) });
    samples.set(name, series);
  }
  return samples;
}

/** The sum of a metric's series whose labels include `where` (0 when absent). */
export function total(
  samples: MetricSamples,
  name: string,
  where: Record<string, string> = {},
): number {
  let sum = 0;
  for (const { labels, value } of samples.get(name) ?? []) {
    if (Object.entries(where).every(([k, v]) => labels[k] === v)) sum += value;
  }
  return sum;
}
