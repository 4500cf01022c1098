/**
 * Warm cost of several builds against a floor, each build in a process of its own as in its own
 * Lambda, in interleaved rounds: every round runs one block per build and case, the order of the
 * builds rotated, and the first round is dropped as a warm-up. Reported per case and build: medians,
 * and the median of per-round ratios to the floor with their IQR, so a burst of load from elsewhere on
 * this shared machine hits both sides of a ratio instead of one build.
 */
import type { Bundle } from './bundles.ts';
import type { BenchContext } from './context.ts';
import { type FunctionProcess, startFunction } from './functionProcess.ts';
import { formatNumber, formatRatio, markdownTable, pairedRatio, type Summary, summarize } from './stats.ts';

export interface Case {
  readonly name: string;
  /** The events of one block, made afresh for each block. */
  readonly events: () => readonly unknown[];
  readonly repeat: number;
  /** Invocations run untimed before each block: the process slept while the others ran. */
  readonly warmUp: number;
  /** What every invocation must answer (see lambdaHost.mjs), or the comparison means nothing. */
  readonly outcome: string;
  /** Units per invocation the results are divided by (records per batch), 1 by default. */
  readonly per?: number;
}

export interface Measured {
  readonly wallUs: Summary;
  readonly cpuUs: Summary;
  readonly logBytes: number;
  readonly ratio: Summary;
  readonly cpuRatio: Summary;
}
/** case → build → measurements; the first build is the floor. */
export type Comparison = Record<string, Record<string, Measured>>;

export async function compareToFloor(
  context: BenchContext,
  builds: Readonly<Record<string, Bundle>>,
  environment: NodeJS.ProcessEnv,
  memoryMb: number,
  cases: readonly Case[],
  rounds: number,
): Promise<Comparison> {
  const names = Object.keys(builds);
  const processes: Record<string, FunctionProcess> = {};
  for (const name of names) processes[name] = await startFunction(builds[name]!.file, environment, memoryMb);
  const series = () => names.map((name) => [name, { wallUs: [] as number[], cpuUs: [] as number[], logBytes: [] as number[] }]);
  const samples = Object.fromEntries(cases.map(({ name }) => [name, Object.fromEntries(series())]));
  for (let round = 0; round < rounds; round++) {
    for (const testCase of cases) {
      for (const name of names.map((_, index) => names[(index + round) % names.length]!)) {
        const events = testCase.events();
        const block = await processes[name]!.block(events, testCase.repeat, testCase.warmUp);
        if (block.outcomes[testCase.outcome] !== events.length * testCase.repeat) {
          throw new Error(`${name} answered ${JSON.stringify(block.outcomes)} to "${testCase.name}", not ${testCase.outcome}`);
        }
        if (round === 0 && rounds > 1) continue;
        const [samplesOf, per] = [samples[testCase.name]![name]!, testCase.per ?? 1];
        samplesOf.wallUs.push(block.wallUs / per);
        samplesOf.cpuUs.push(block.cpuUs / per);
        samplesOf.logBytes.push(block.logBytes / per);
      }
    }
    await context.emulators.reset();
  }
  for (const name of names) processes[name]!.stop();

  const summarizeCase = (byBuild: (typeof samples)[string]) => {
    const floor = byBuild[names[0]!]!;
    return Object.fromEntries(
      names.map((name) => {
        const { wallUs, cpuUs, logBytes } = byBuild[name]!;
        const ratio = pairedRatio(wallUs, floor.wallUs);
        return [
          name,
          {
            wallUs: summarize(wallUs),
            cpuUs: summarize(cpuUs),
            logBytes: summarize(logBytes).median,
            ratio,
            cpuRatio: pairedRatio(cpuUs, floor.cpuUs),
          },
        ];
      }),
    );
  };
  return Object.fromEntries(cases.map(({ name }) => [name, summarizeCase(samples[name]!)]));
}

/** Wall time per case, then CPU of the function's process and bytes logged per case; one table for a single case. */
export function comparisonTables(comparison: Comparison, unit: string) {
  const cases = Object.keys(comparison);
  const builds = Object.keys(comparison[cases[0]!]!);
  const cell = (row: Measured, measure: 'wallUs' | 'cpuUs', floor: boolean) =>
    `${floor ? '' : `${formatRatio(measure === 'wallUs' ? row.ratio : row.cpuRatio)} · `}${formatNumber(row[measure].median)} µs`;
  const rows = (measure: 'wallUs' | 'cpuUs') =>
    builds.map((build, index) => [build, ...cases.map((name) => cell(comparison[name]![build]!, measure, index === 0))]);
  const logs = builds.map((build) => cases.map((name) => Math.round(comparison[name]![build]!.logBytes)));
  if (cases.length === 1) {
    const headers = ['build', `wall time ${unit}`, `CPU ${unit}`, `log B ${unit}`];
    const table = rows('wallUs').map((row, index) => [...row, rows('cpuUs')[index]![1]!, ...logs[index]!]);
    return [
      { title: `Wall time and CPU ${unit}: ratio to the floor (IQR) · median; bytes logged`, markdown: markdownTable(headers, table) },
    ];
  }
  return [
    {
      title: `Wall time ${unit}: ratio to the floor (IQR) · median`,
      markdown: markdownTable(['build', ...cases], rows('wallUs')),
    },
    {
      title: `CPU of the function's process ${unit}: ratio to the floor (IQR) · median; bytes it logged ${unit}`,
      markdown: markdownTable(
        ['build', ...cases.map((name) => `CPU, ${name}`), ...cases.map((name) => `log B, ${name}`)],
        rows('cpuUs').map((row, index) => [...row, ...logs[index]!]),
      ),
    },
  ];
}
