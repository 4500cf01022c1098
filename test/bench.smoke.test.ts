/**
 * The benchmarks' smoke test: `npm run bench -- --quick` runs the in-process benchmarks (ingest with
 * its comparator builds, the worker, the cost model) with tiny iteration counts into a temporary
 * directory, so a change that breaks a benchmark script, or makes a comparator build answer
 * differently from ours, fails here. No timing is asserted: numbers come from `npm run bench` alone.
 * (Cold start, memory and pipeline need the synthesized stack or the whole local pipeline and take
 * longer; `npm run bench -- --quick` runs them too.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const PROJECT_ROOT = resolve(import.meta.dirname, '..');

test('the ingest, worker and cost benchmarks run end to end and write their tables', () => {
  const results = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  try {
    const run = spawnSync(
      process.execPath,
      [join(PROJECT_ROOT, 'bench', 'run.ts'), '--quick', '--no-synth', '--only', 'ingest,worker,cost'],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, BENCH_RESULTS_DIR: results },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect({ status: run.status, output: run.status === 0 ? '' : `${run.stdout}\n${run.stderr}` }).toEqual({ status: 0, output: '' });
    for (const name of ['ingest', 'worker', 'cost']) {
      const result = JSON.parse(readFileSync(join(results, `${name}.json`), 'utf8')) as { quick: boolean; tables: { markdown: string }[] };
      expect(result.quick).toBe(true);
      expect(result.tables.length).toBeGreaterThan(0);
      expect(result.tables.every((table) => table.markdown.startsWith('|'))).toBe(true);
    }
  } finally {
    rmSync(results, { recursive: true, force: true });
  }
}, 150_000);
