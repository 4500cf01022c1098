/**
 * The ingest, warm, per request: 202 accepted, 401 forged signature and 422 missing customer on the
 * 6 KB unique-code fixture, for the floor, the floor again (an A/A control: how far two identical
 * builds differ here), ours and, with --baseline, the baseline, all against the same fauxqs.
 */
import { type Comparison, compareToFloor, comparisonTables } from './support/compare.ts';
import { type BenchContext, type BenchOutput, FLOOR, ingestEnvironment, memorySizes } from './support/context.ts';
import { ingestCases } from './support/events.ts';

export async function runIngest(context: BenchContext): Promise<BenchOutput<{ rounds: number; cases: Comparison }>> {
  const rounds = context.quick ? 2 : 25;
  const cases = ingestCases(context.quick).map(({ name, status, event, iterations }) => ({
    name,
    events: () => [event],
    repeat: iterations,
    warmUp: Math.ceil(iterations / 20),
    outcome: String(status),
  }));
  const builds = { [FLOOR]: context.ingestBundles[FLOOR]!, 'floor again (A/A)': context.ingestBundles[FLOOR]!, ...context.ingestBundles };
  const comparison = await compareToFloor(context, builds, ingestEnvironment(context), memorySizes.ingest, cases, rounds);
  return {
    method: `${rounds} interleaved rounds (first dropped), blocks of ${cases.map((c) => `${c.repeat}× ${c.name}`).join(', ')}; each build a bundle in its own process at ${memorySizes.ingest} MB heap limits; fauxqs over HTTPS in the conducting process.`,
    tables: comparisonTables(comparison, 'per request'),
    data: { rounds, cases: comparison },
  };
}
