/**
 * Summaries of repeated measurements. Every benchmark here runs its variants in interleaved rounds
 * in one process and reports the median of the rounds, with the interquartile range as the spread:
 * the machines are shared and noisy, and a median of interleaved rounds is robust to a burst of
 * load that a mean or a single long run would absorb into one variant only.
 */

export interface Summary {
  readonly median: number;
  /** 25th and 75th percentiles (linear interpolation). */
  readonly p25: number;
  readonly p75: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

export const median = (samples: readonly number[]): number => quantile(samples, 0.5);

export function summarize(samples: readonly number[]): Summary {
  return {
    median: median(samples),
    p25: quantile(samples, 0.25),
    p75: quantile(samples, 0.75),
    min: Math.min(...samples),
    max: Math.max(...samples),
    n: samples.length,
  };
}

/**
 * Ratio of two variants measured in the same rounds: the median of the per-round ratios, which
 * cancels load that hit both variants of a round alike, with its interquartile range.
 */
export function pairedRatio(numerator: readonly number[], denominator: readonly number[]): Summary {
  const ratios = numerator.map((value, index) => value / denominator[index]!);
  return summarize(ratios);
}

/** `12.3` with a precision that suits the magnitude. */
export function formatNumber(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return '–';
  if (digits !== undefined) return value.toFixed(digits);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** `1.23× (1.20–1.27)`: a ratio with its interquartile range. */
export const formatRatio = (ratio: Summary): string =>
  `${ratio.median.toFixed(2)}× (${ratio.p25.toFixed(2)}–${ratio.p75.toFixed(2)})`;

/** `123 (118–130)`: a median with its interquartile range. */
export const formatSummary = (summary: Summary, digits?: number): string =>
  `${formatNumber(summary.median, digits)} (${formatNumber(summary.p25, digits)}–${formatNumber(summary.p75, digits)})`;

/** A GitHub-flavoured Markdown table. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
