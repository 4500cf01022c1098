/**
 * Cold start, which Lambda bills (INIT): a fresh process per run imports a bundle and serves its first
 * request, a valid webhook sent on to fauxqs over HTTPS (so it pays a TLS handshake, as on AWS). Ours
 * against the floor, and the baseline when given, interleaved, the first run dropped; the distribute
 * bundle is imported too, for its INIT. Medians, and the median of per-run ratios to the floor.
 */
import type { Bundle } from './support/bundles.ts';
import { type BenchContext, type BenchOutput, FLOOR, ingestEnvironment, memorySizes, OURS, workerEnvironment } from './support/context.ts';
import { ingestCases } from './support/events.ts';
import { startFunction } from './support/functionProcess.ts';
import { formatNumber, formatRatio, markdownTable, pairedRatio, type Summary, summarize } from './support/stats.ts';

export const DISTRIBUTE = 'distribute (import only)';
const MEASURES = ['bootMs', 'importMs', 'firstRequestMs', 'firstResponseMs'] as const;
type Run = Record<(typeof MEASURES)[number], number>;
export type ColdStartData = Record<string, Record<keyof Run, Summary> & { kib: number; gzipKib: number; ratio: Summary }>;

export async function runColdStart(context: BenchContext): Promise<BenchOutput<ColdStartData>> {
  const runs = context.quick ? 2 : 31;
  const event = ingestCases(true)[0]!.event;
  const bundles: Record<string, Bundle> = { ...context.ingestBundles, [DISTRIBUTE]: context.workerBundles[OURS] };
  const variants = Object.keys(bundles);
  const samples: Record<string, Run[]> = Object.fromEntries(variants.map((variant) => [variant, []]));
  for (let run = 0; run < runs; run++) {
    for (const variant of variants.map((_, index) => variants[(index + run) % variants.length]!)) {
      const importOnly = variant === DISTRIBUTE;
      const environment = importOnly ? workerEnvironment(context) : ingestEnvironment(context);
      const fn = await startFunction(bundles[variant]!.file, environment, importOnly ? memorySizes.worker : memorySizes.ingest);
      const first = importOnly ? undefined : await fn.invoke(event);
      fn.stop();
      if (first && first.response.statusCode !== 202)
        throw new Error(`${variant} answered ${first.response.statusCode}: ${first.response.body}`);
      const { bootMs, importMs } = fn.ready;
      const firstRequestMs = first?.ms ?? 0;
      // From the process's start (performance.now's origin) to the first response.
      if (run > 0) samples[variant]!.push({ bootMs, importMs, firstRequestMs, firstResponseMs: bootMs + importMs + firstRequestMs });
    }
    await context.emulators.reset();
  }

  const series = (variant: string, measure: keyof Run) => samples[variant]!.map((sample) => sample[measure]);
  const summary = (variant: string) => ({
    ...Object.fromEntries(MEASURES.map((measure) => [measure, summarize(series(variant, measure))])),
    kib: bundles[variant]!.kib,
    gzipKib: bundles[variant]!.gzipKib,
    ratio: pairedRatio(series(variant, 'firstResponseMs'), series(FLOOR, 'firstResponseMs')),
  });
  const data = Object.fromEntries(variants.map((variant) => [variant, summary(variant)])) as ColdStartData;
  const rows = variants.map((variant) => {
    const row = data[variant]!;
    const ms = (measure: keyof Run) => (variant === DISTRIBUTE && measure !== 'importMs' ? '–' : formatNumber(row[measure].median));
    const ratio = variant === DISTRIBUTE ? '–' : variant === FLOOR ? '1' : formatRatio(row.ratio);
    return [variant, row.kib.toFixed(1), row.gzipKib.toFixed(1), ms('importMs'), ms('firstRequestMs'), ms('firstResponseMs'), ratio];
  });
  const headers = ['bundle', 'KiB', 'gzip KiB', 'import', 'first request', 'start → first response', 'ratio to the floor (IQR)'];
  return {
    method: `${runs} fresh processes per variant, interleaved (order rotated each run), the first dropped; heap limits as Lambda sets them for ${memorySizes.ingest} MB; fauxqs over HTTPS in the conducting process.`,
    tables: [{ title: 'Cold start: bundle size, and medians in ms from the process start', markdown: markdownTable(headers, rows) }],
    data,
  };
}
