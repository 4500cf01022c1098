/**
 * npm run bench [-- --only ingest,worker,...] [--quick] [--no-synth]
 *
 * Runs every benchmark, each in its own Node 24 process whose stdout (the handlers' log lines) goes
 * to /dev/null and whose stderr goes to a scratch file (shown if it fails), then prints the tables each one wrote
 * to bench/results/<name>.json. Cold start and memory read the production bundles from cdk.out, so
 * the stack is synthesized first. BENCHMARKS.md quotes these tables.
 *
 * --quick (or BENCH_QUICK=1) runs tiny iteration counts into a temporary results directory: a
 * smoke test that every script runs, never numbers to publish.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT, readResult, resultsDirectory } from './support/results.ts';

/** In the order they run: cost reads the others' results. */
export const BENCHMARKS = ['ingest', 'worker', 'coldStart', 'pipeline', 'memory', 'cost'] as const;
const NEEDS_SYNTH = new Set(['coldStart', 'memory']);

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'no-synth': { type: 'boolean', default: false },
  },
});
const selected = values.only ? values.only.split(',').map((name) => name.trim()) : [...BENCHMARKS];
for (const name of selected) {
  if (!(BENCHMARKS as readonly string[]).includes(name)) {
    console.error(`Unknown benchmark "${name}"; choose from ${BENCHMARKS.join(', ')}`);
    process.exit(2);
  }
}
const environment: NodeJS.ProcessEnv = { ...process.env };
if (values.quick) {
  environment.BENCH_QUICK = '1';
  environment.BENCH_RESULTS_DIR ??= mkdtempSync(join(tmpdir(), 'bench-quick-'));
  // This process reads the results back to print them: from the same scratch directory.
  process.env.BENCH_RESULTS_DIR = environment.BENCH_RESULTS_DIR;
}

if (!values['no-synth'] && selected.some((name) => NEEDS_SYNTH.has(name))) {
  console.log('Synthesizing the stack (npm run synth) for the production bundles in cdk.out …');
  const synth = spawnSync('npm', ['run', '-s', 'synth'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (synth.status !== 0) process.exit(synth.status ?? 1);
}

const scratch = mkdtempSync(join(tmpdir(), 'bench-output-'));
let failed = 0;
for (const name of selected) {
  const started = performance.now();
  console.log(`\n## ${name}: running …`);
  const outputFile = join(scratch, `${name}.log`);
  const output = openSync(outputFile, 'w');
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', join(PROJECT_ROOT, 'bench', `${name}.bench.ts`)], {
      cwd: PROJECT_ROOT,
      env: environment,
      // /dev/null, not a file: on Lambda a log line is a write to a pipe, not to a disk, and a
      // file on this VM's overlay file system costs ~60 µs a line, which would be charged to
      // whichever build logs most. The lines are still formatted and written (a real write(2)).
      stdio: ['ignore', 'ignore', output],
    });
    child.on('exit', (exitCode) => resolve(exitCode ?? 1));
  });
  closeSync(output);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (code !== 0) {
    failed++;
    const tail = readFileSync(outputFile, 'utf8').split('\n').slice(-25).join('\n');
    console.log(`${name} FAILED (exit ${code}, ${seconds} s); the end of its output (${outputFile}):\n${tail}`);
    continue;
  }
  const result = readResult(name);
  console.log(`(${seconds} s; ${join(resultsDirectory(), `${name}.json`)})`);
  for (const table of result?.tables ?? []) console.log(`\n### ${table.title}\n\n${table.markdown}`);
}
// A complete, real run refreshes the tables quoted in BENCHMARKS.md.
if (failed === 0 && !values.quick && !values.only) {
  const report = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bench', 'report.ts')], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  if (report.status === 0) console.log('\nBENCHMARKS.md: tables updated from bench/results.');
}
process.exit(failed === 0 ? 0 : 1);
