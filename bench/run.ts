/**
 * npm run bench [-- --only ingest,worker,coldStart,memory,cost] [--quick] [--baseline <git-ref>]
 *
 * Bundles every function measured (bench/support/bundles.ts), starts the local stand-ins, runs
 * each benchmark, writes bench/results/<name>.json and prints its tables. A full run (no --only, no
 * --quick) also refreshes BENCHMARKS.md: the table after each `<!-- bench:<name>:<index> -->` line,
 * and the machine line; the prose around them is written by hand.
 *
 * --baseline <ref> adds that ref's ingest, bundled alike, as a third build in the same interleaved
 * run: a regression check against any commit. --quick runs tiny counts into a temporary directory
 * (BENCH_RESULTS_DIR if set): proof that every script runs, never numbers to publish.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ColdStartData, runColdStart } from './coldStart.ts';
import { runCost } from './cost.ts';
import { runIngest } from './ingest.ts';
import { runMemory } from './memory.ts';
import { bundle, extractBaseline, PROJECT_ROOT } from './support/bundles.ts';
import type { Comparison } from './support/compare.ts';
import { type BenchContext, type BenchOutput, FLOOR, OURS, readResult } from './support/context.ts';
import { startEmulators } from './support/emulators.ts';
import { formatRatio, markdownTable, type Summary } from './support/stats.ts';
import { runWorker } from './worker.ts';

/** In the order they run: cost reads the others' results. */
const BENCHMARKS: Record<string, (context: BenchContext) => Promise<BenchOutput<any>>> = {
  ingest: runIngest,
  worker: runWorker,
  coldStart: runColdStart,
  memory: runMemory,
  cost: runCost,
};

const { values } = parseArgs({
  options: { only: { type: 'string' }, quick: { type: 'boolean', default: false }, baseline: { type: 'string' } },
});
const selected = values.only?.split(',').map((name) => name.trim()) ?? Object.keys(BENCHMARKS);
const unknown = selected.filter((name) => !(name in BENCHMARKS));
if (unknown.length > 0) throw new Error(`Unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHMARKS).join(', ')}`);
const quick = values.quick;
const resultsDirectory = quick
  ? (process.env.BENCH_RESULTS_DIR ?? mkdtempSync(join(tmpdir(), 'bench-quick-')))
  : join(PROJECT_ROOT, 'bench', 'results');
const machine = `${new Date().toISOString().slice(0, 10)}, ${availableParallelism()} × ${cpus()[0]?.model.trim()} (${process.arch}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Linux ${release()}, Node ${process.version}; load average ${loadavg()
  .map((load) => load.toFixed(2))
  .join(' / ')} at the start`;

const scratch = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
const baseline = values.baseline ? extractBaseline(values.baseline) : undefined;
const baselineName = baseline && `before (${baseline.commit})`;
const entry = (path: string) => join(PROJECT_ROOT, path);
const [floor, ours, before, workerFloor, distribute] = await Promise.all([
  bundle(entry('bench/floors/ingestFloor.ts'), join(scratch, 'floor')),
  bundle(entry('functions/ingest/handler.ts'), join(scratch, 'ours')),
  baseline && bundle(join(baseline.directory, 'functions/ingest/handler.ts'), join(scratch, 'before'), baseline.directory),
  bundle(entry('bench/floors/workerFloor.ts'), join(scratch, 'workerFloor')),
  bundle(entry('functions/distribute/handler.ts'), join(scratch, 'distribute')),
]);
const emulators = await startEmulators();
const context: BenchContext = {
  quick,
  resultsDirectory,
  emulators,
  ingestBundles: { [FLOOR]: floor, [OURS]: ours, ...(before && baselineName ? { [baselineName]: before } : {}) },
  workerBundles: { [FLOOR]: workerFloor, [OURS]: distribute },
};

try {
  for (const name of selected) {
    const started = performance.now();
    console.log(`\n## ${name}`);
    const output = await BENCHMARKS[name]!(context);
    const result = { name, date: new Date().toISOString(), quick, machine, ...output };
    writeFileSync(join(resultsDirectory, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s, ${join(resultsDirectory, `${name}.json`)})`);
    for (const table of output.tables) console.log(`\n### ${table.title}\n\n${table.markdown}`);
  }
} finally {
  await emulators.stop();
  rmSync(scratch, { recursive: true, force: true });
}

const read = <TData>(name: string) => readResult<TData>(context, name);

/** The targets, before (the baseline, if it was measured) and after, from one run's ingest and cold-start results. */
function targetsTable(): string {
  const accepted = read<{ cases: Comparison }>('ingest').data.cases['202 accepted']!;
  const cold = read<ColdStartData>('coldStart').data;
  const builds = [...Object.keys(cold).filter((variant) => variant.startsWith('before (')), OURS];
  const verdict = (value: number, limit: number) => (value <= limit ? 'holds' : '**does not hold**');
  const ratios = (target: string, ratioOf: (build: string) => Summary) => [
    target,
    ...builds.map((build) => `${formatRatio(ratioOf(build))}, ${verdict(ratioOf(build).median, 1.1)}`),
  ];
  return markdownTable(
    ['target', ...builds.map((build) => (build === OURS ? 'after (ours)' : build))],
    [
      ratios('202 accepted ≤ 1.10× the floor (wall time)', (build) => accepted[build]!.ratio),
      ratios('cold start ≤ 1.10× the floor', (build) => cold[build]!.ratio),
      ['ingest bundle ≤ 300 KiB', ...builds.map((build) => `${cold[build]!.kib.toFixed(1)} KiB, ${verdict(cold[build]!.kib, 300)}`)],
    ],
  );
}

if (selected.includes('ingest') && selected.includes('coldStart')) console.log(`\n### Targets\n\n${targetsTable()}`);
if (!quick && !values.only) {
  const file = join(PROJECT_ROOT, 'BENCHMARKS.md');
  const text = readFileSync(file, 'utf8')
    .replace(/<!-- bench:machine -->.*?<!-- \/bench -->/, `<!-- bench:machine -->${machine}<!-- /bench -->`)
    .replace(/<!-- bench:targets -->\n(\|.*\n)*/, `<!-- bench:targets -->\n${targetsTable()}\n`)
    .replace(
      /<!-- bench:(\w+):(\d+) -->\n(\|.*\n)*/g,
      (_, name: string, index: string) => `<!-- bench:${name}:${index} -->\n${read(name).tables[Number(index)]!.markdown}\n`,
    );
  writeFileSync(file, text);
  console.log('\nBENCHMARKS.md: tables refreshed from bench/results.');
}
process.exit(0);
