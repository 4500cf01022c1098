/**
 * The benchmarks' smoke test: `npm run bench -- --quick --baseline HEAD` bundles every build, runs
 * every benchmark end to end with tiny counts into a temporary directory, and checks each wrote its
 * tables, so a change that breaks a benchmark, or makes a build answer differently from the floor,
 * fails here. No timing is asserted: speed is measured by `npm run bench` alone (BENCHMARKS.md).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const PROJECT_ROOT = resolve(import.meta.dirname, '..');
const BENCHMARKS = ['ingest', 'worker', 'coldStart', 'memory', 'cost'];

test('every benchmark runs end to end, with a baseline build, and writes its tables', () => {
  const results = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  try {
    const run = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bench', 'run.ts'), '--quick', '--baseline', 'HEAD'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, BENCH_RESULTS_DIR: results },
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect({ status: run.status, output: run.status === 0 ? '' : `${run.stdout}\n${run.stderr}` }).toEqual({ status: 0, output: '' });
    for (const name of BENCHMARKS) {
      const result = JSON.parse(readFileSync(join(results, `${name}.json`), 'utf8')) as { quick: boolean; tables: { markdown: string }[] };
      expect(result.quick).toBe(true);
      expect(result.tables.length).toBeGreaterThan(0);
      expect(result.tables.every((table) => table.markdown.startsWith('|'))).toBe(true);
    }
    expect(run.stdout).toMatch(/\| target \| before \([0-9a-f]+\) \| after \(ours\) \|/);
  } finally {
    rmSync(results, { recursive: true, force: true });
  }
}, 120_000);
