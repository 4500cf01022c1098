/**
 * Puts the tables of the latest results into BENCHMARKS.md: every block between
 * `<!-- table: <benchmark> <index> -->` and `<!-- /table -->` is replaced by that benchmark's table
 * (bench/results/<benchmark>.json, tables[index]), and `<!-- machine -->…<!-- /machine -->` by the
 * machine and date the ingest results were measured on. The prose around the tables is written by
 * hand; `npm run bench` calls this after a full run so the numbers in it are always the last run's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, readResult } from './support/results.ts';

const file = join(PROJECT_ROOT, 'BENCHMARKS.md');
let text = readFileSync(file, 'utf8');
const missing: string[] = [];

text = text.replace(/<!-- table: (\w+) (\d+) -->[\s\S]*?<!-- \/table -->/g, (block, name: string, index: string) => {
  const table = readResult(name)?.tables[Number(index)];
  if (!table) {
    missing.push(`${name} ${index}`);
    return block;
  }
  return `<!-- table: ${name} ${index} -->\n${table.markdown}\n<!-- /table -->`;
});

text = text.replace(/<!-- machine -->[\s\S]*?<!-- \/machine -->/, (block) => {
  const result = readResult('ingest');
  if (!result) return block;
  const { machine } = result;
  const line = `${machine.nproc} × ${machine.cpuModel} (${machine.arch}), ${machine.ramGiB} GiB RAM, Linux ${machine.kernel}, Node ${machine.node}; results dated ${result.date.slice(0, 10)}, load average ${machine.loadAverage.join(' / ')} when the ingest run started`;
  return `<!-- machine -->${line}<!-- /machine -->`;
});

writeFileSync(file, text);
if (missing.length > 0) {
  console.error(`BENCHMARKS.md: no results for ${missing.join(', ')}; those tables were left as they were`);
  process.exitCode = 1;
}
