/**
 * Where every benchmark writes its machine-readable result: bench/results/<name>.json, or the
 * directory in BENCH_RESULTS_DIR (the smoke test points it at a temporary directory so a quick run
 * never overwrites the published numbers). Each file carries the machine, the date, the command
 * and the Markdown tables that BENCHMARKS.md quotes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type MachineInfo, machineInfo } from './machine.ts';

export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

/** Taken when the benchmark process starts, so the load average is the one it ran under, not after. */
const machineAtStart = machineInfo();

export const resultsDirectory = (): string => process.env.BENCH_RESULTS_DIR ?? join(PROJECT_ROOT, 'bench', 'results');

/** Smoke mode: tiny iteration counts, only proving the script runs (BENCH_QUICK=1). */
export const isQuick = (): boolean => process.env.BENCH_QUICK === '1';

export interface BenchResult<TData> {
  readonly name: string;
  readonly date: string;
  readonly command: string;
  readonly quick: boolean;
  readonly machine: MachineInfo;
  readonly method: string;
  /** Markdown, in the order BENCHMARKS.md shows them. */
  readonly tables: readonly { readonly title: string; readonly markdown: string }[];
  readonly data: TData;
}

export function writeResult<TData>(result: Omit<BenchResult<TData>, 'date' | 'machine' | 'quick'> & { machine?: MachineInfo }): string {
  const directory = resultsDirectory();
  mkdirSync(directory, { recursive: true });
  const file = join(directory, `${result.name}.json`);
  const complete: BenchResult<TData> = {
    ...result,
    date: new Date().toISOString(),
    quick: isQuick(),
    machine: result.machine ?? machineAtStart,
  };
  writeFileSync(file, `${JSON.stringify(complete, null, 2)}\n`);
  return file;
}

export function readResult<TData>(name: string): BenchResult<TData> | undefined {
  try {
    return JSON.parse(readFileSync(join(resultsDirectory(), `${name}.json`), 'utf8')) as BenchResult<TData>;
  } catch {
    return undefined;
  }
}
