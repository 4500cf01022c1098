/**
 * The distribute worker, warm, per record: ours against its floor on batches of the stack's batch
 * size of new send-outs (each really claimed, sent by SES and completed), against dynalite and the
 * local SES over HTTPS.
 */
import { STACK_SETTINGS } from '../lib/webhookStackConfig.ts';
import { type Comparison, compareToFloor, comparisonTables } from './support/compare.ts';
import { type BenchContext, type BenchOutput, memorySizes, OURS, workerEnvironment } from './support/context.ts';
import { sqsBatch } from './support/events.ts';
import { startFunction } from './support/functionProcess.ts';

export interface WorkerData {
  readonly batchSize: number;
  readonly records: Comparison[string];
  /** What ours logs per record, and per batch whatever its size (metrics): for the cost model. */
  readonly oursLogBytes: { readonly perRecord: number; readonly perBatch: number };
}

export async function runWorker(context: BenchContext): Promise<BenchOutput<WorkerData>> {
  const rounds = context.quick ? 2 : 9;
  const batches = context.quick ? 2 : 30;
  const batchSize = STACK_SETTINGS.batchSize.defaultValue!;
  const environment = workerEnvironment(context);
  const perRecord = {
    name: 'per record',
    events: () => Array.from({ length: batches }, () => sqsBatch(batchSize)),
    repeat: 1,
    warmUp: 0,
    outcome: 'failed records: 0',
    per: batchSize,
  };
  const comparison = await compareToFloor(context, context.workerBundles, environment, memorySizes.worker, [perRecord], rounds);

  // A batch of one and a full batch tell what ours logs per record and per batch.
  const ours = await startFunction(context.workerBundles[OURS].file, environment, memorySizes.worker);
  const single = (await ours.invoke(sqsBatch(1))).logBytes;
  const full = (await ours.invoke(sqsBatch(batchSize))).logBytes;
  ours.stop();
  const record = (full - single) / (batchSize - 1);
  return {
    method: `${rounds} interleaved rounds (first dropped) of ${batches} batches × ${batchSize} new send-outs per build, SES channel; each build a bundle in its own process at ${memorySizes.worker} MB heap limits.`,
    tables: comparisonTables(comparison, 'per record'),
    data: { batchSize, records: comparison[perRecord.name]!, oursLogBytes: { perRecord: record, perBatch: single - record } },
  };
}
