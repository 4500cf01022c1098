/**
 * Medians and interquartile ranges of interleaved rounds. The machine is shared and noisy, so every
 * comparison is a ratio to the floor measured in the same round: a burst of load from elsewhere then
 * hits both sides of the ratio instead of one variant only.
 */

export interface Summary {
  readonly median: number;
  readonly p25: number;
  readonly p75: number;
  readonly n: number;
}

export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = sorted[Math.floor(position)]!;
  return below + (sorted[Math.ceil(position)]! - below) * (position - Math.floor(position));
}

export const summarize = (samples: readonly number[]): Summary => ({
  median: quantile(samples, 0.5),
  p25: quantile(samples, 0.25),
  p75: quantile(samples, 0.75),
  n: samples.length,
});

/** The median of per-round ratios, with their IQR: both series must come from the same rounds. */
export const pairedRatio = (numerator: readonly number[], denominator: readonly number[]): Summary =>
  summarize(numerator.map((value, index) => value / denominator[index]!));

/** `12.3` with a precision that suits the magnitude. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const magnitude = Math.abs(value);
  return value.toFixed(magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2);
}

/** `1.04× (0.99–1.08)`: a ratio with its interquartile range. */
export const formatRatio = (ratio: Summary): string => `${ratio.median.toFixed(2)}× (${ratio.p25.toFixed(2)}–${ratio.p75.toFixed(2)})`;

export function markdownTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
