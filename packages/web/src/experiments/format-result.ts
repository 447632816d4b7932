/** How the experiment pages write numbers: rates as percentages, means with a few digits. */

const DASH = '—';

export function formatEstimate(value: number | null, kind: 'conversion' | 'mean'): string {
  if (value === null || !Number.isFinite(value)) return DASH;
  return kind === 'conversion' ? percent(value, 1) : decimal(value);
}

export function formatInterval(
  ci: readonly [number, number] | null,
  kind: 'conversion' | 'mean',
): string {
  if (ci === null) return DASH;
  return `${formatEstimate(ci[0], kind)} to ${formatEstimate(ci[1], kind)}`;
}

/** A relative change, signed: +12.5 %. */
export function formatUplift(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return DASH;
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${percent(Math.abs(value), 1)}`;
}

/** A difference from a baseline, signed: percentage points for rates (+3.5 pp), else the metric's units. */
export function formatDifference(value: number | null, kind: 'conversion' | 'mean'): string {
  if (value === null || !Number.isFinite(value)) return DASH;
  const sign = value > 0 ? '+' : value < 0 ? '−' : '';
  const size = Math.abs(value);
  return kind === 'conversion' ? `${sign}${(size * 100).toFixed(1)} pp` : `${sign}${decimal(size)}`;
}

export function formatPValue(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return DASH;
  if (value < 0.001) return '< 0.001';
  return value.toFixed(3);
}

/** A probability as a percentage, kept off 0 and 100 % unless it is exactly that. */
export function formatChance(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return DASH;
  if (value > 0.999 && value < 1) return '> 99.9 %';
  if (value < 0.001 && value > 0) return '< 0.1 %';
  return percent(value, 1);
}

export function formatCount(value: number): string {
  return value.toLocaleString('en');
}

function percent(value: number, digits: number): string {
  return `${(value * 100).toFixed(digits)} %`;
}

function decimal(value: number): string {
  const digits = Math.abs(value) >= 100 ? 1 : Math.abs(value) >= 1 ? 2 : 4;
  return value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}
