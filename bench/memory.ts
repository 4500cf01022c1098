/**
 * Peak memory of each function's bundle under load, in a fresh process per memory size with the heap
 * limits Lambda's Node.js runtime sets for it: the ingest serving a mix of accepted, forged and invalid
 * requests and then bodies at the size limit, the worker delivering batches through SES. Peak RSS is
 * the process's own high-water mark (getrusage maxrss), which Lambda's memory limit is held against.
 */
import { INGEST_SETTINGS } from '../functions/shared/settings.ts';
import { STACK_SETTINGS } from '../lib/webhookStackConfig.ts';
import { type BenchContext, type BenchOutput, ingestEnvironment, OURS, workerEnvironment } from './support/context.ts';
import { ingestCases, largestWebhookEvent, sqsBatch } from './support/events.ts';
import { startFunction } from './support/functionProcess.ts';
import { markdownTable } from './support/stats.ts';

const MAX_BODY_BYTES = INGEST_SETTINGS.maxBodyBytes.defaultValue!;
const BATCH_SIZE = STACK_SETTINGS.batchSize.defaultValue!;

/** The shapes a public endpoint sees (one request in ten forged, one in twenty invalid), then bodies at the size limit. */
function ingestLoad(quick: boolean) {
  const requests = quick ? 20 : 2000;
  const [accepted, forged, invalid] = ingestCases(true).map((testCase) => testCase.event);
  const mix = [...Array<unknown>(17).fill(accepted), forged, forged, invalid];
  const blocks = [
    { events: mix, repeat: requests / mix.length },
    { events: [largestWebhookEvent(MAX_BODY_BYTES)], repeat: 5 },
  ];
  return { served: `${requests} requests (85% 202, 10% 401, 5% 422), then 5 of ${MAX_BODY_BYTES / 1024} KiB`, blocks };
}

/** Ten batches per block, so the events waiting in the process stay about as small as one real batch. */
function workerLoad(quick: boolean) {
  const batches = quick ? 10 : 200;
  const blocks = Array.from({ length: batches / 10 }, () => ({
    events: Array.from({ length: 10 }, () => sqsBatch(BATCH_SIZE)),
    repeat: 1,
  }));
  return { served: `${batches * BATCH_SIZE} records in batches of ${BATCH_SIZE}, SES channel`, blocks };
}

export async function runMemory(context: BenchContext): Promise<BenchOutput> {
  const rows = [];
  for (const memoryMb of context.quick ? [STACK_SETTINGS.ingestMemoryMb.defaultValue!] : [128, 256, 512]) {
    for (const [name, bundle, environment, { served, blocks }] of [
      ['ingest', context.ingestBundles[OURS]!, ingestEnvironment(context), ingestLoad(context.quick)],
      ['distribute', context.workerBundles[OURS], workerEnvironment(context), workerLoad(context.quick)],
    ] as const) {
      const fn = await startFunction(bundle.file, environment, memoryMb);
      let peakKiB = 0;
      for (const { events, repeat } of blocks) {
        const block = await fn.block(events, repeat, 0);
        // Every request answered as the contract says, every record delivered: no failure is served here.
        if (Object.keys(block.outcomes).some((outcome) => /^5|failed records: [1-9]/.test(outcome)))
          throw new Error(`${name}: ${JSON.stringify(block.outcomes)}`);
        peakKiB = block.memory.maxRssKiB;
      }
      fn.stop();
      await context.emulators.reset();
      const [afterImport, peak] = [fn.ready.memory.maxRssKiB / 1024, peakKiB / 1024];
      rows.push([name, `${memoryMb} MB`, served, afterImport.toFixed(1), peak.toFixed(1), `${Math.round((peak / memoryMb) * 100)}%`]);
    }
  }
  const headers = ['function', 'memory size', 'served', 'RSS after import MiB', 'peak RSS MiB', 'peak ÷ memory size'];
  return {
    method:
      'The bundles, one fresh process per function and memory size with the heap limits of Lambda’s Node.js runtime; peak RSS = getrusage maxrss of that process.',
    tables: [{ title: 'Memory per function under load', markdown: markdownTable(headers, rows) }],
    data: { rows },
  };
}
