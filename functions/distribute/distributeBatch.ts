import type { SQSBatchItemFailure } from 'aws-lambda';
import { type DistributeDependencies, distributeRecord, errorDetail, identityFromAttributes, needsRetry, type RecordOutcome } from './distributeRecord.ts';
import type { QueuedWebhook } from './queuedWebhook.ts';

/**
 * Records delivered at the same time by one invocation. A batch of 10 (the stack's default) runs
 * entirely in parallel; a batch of thousands (with a batching window) must not open thousands of
 * connections to SES or DynamoDB at once.
 */
export const MAX_CONCURRENT_RECORDS = 25;

export interface BatchResult {
  /** The records SQS must deliver again; every other record is deleted from the queue. */
  readonly batchItemFailures: SQSBatchItemFailure[];
  /** One per record, in the batch's order. */
  readonly outcomes: RecordOutcome[];
}

/**
 * Distributes every record of a batch concurrently and independently: one record's failure, even
 * an unexpected exception, only ever puts that record in batchItemFailures. A batch never fails
 * as a whole, so delivered batch-mates are never sent again.
 */
export async function distributeBatch(webhooks: readonly QueuedWebhook[], dependencies: DistributeDependencies): Promise<BatchResult> {
  const settled = await settleWithLimit(webhooks, MAX_CONCURRENT_RECORDS, (webhook) => distributeRecord(webhook, dependencies));
  const outcomes = settled.map((result, index): RecordOutcome => {
    if (result.status === 'fulfilled') return result.value;
    const webhook = webhooks[index]!;
    return {
      messageId: webhook.messageId,
      identity: identityFromAttributes(webhook),
      outcome: 'transient_failure',
      reason: 'unexpected_error',
      detail: errorDetail(result.reason),
      error: result.reason,
    };
  });
  return {
    batchItemFailures: outcomes.filter(needsRetry).map((outcome) => ({ itemIdentifier: outcome.messageId })),
    outcomes,
  };
}

/** Promise.allSettled over `items`, with at most `limit` of them in progress at any time; results keep the input's order. */
export async function settleWithLimit<TItem, TResult>(
  items: readonly TItem[],
  limit: number,
  run: (item: TItem) => Promise<TResult>,
): Promise<PromiseSettledResult<TResult>[]> {
  const results: PromiseSettledResult<TResult>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await run(items[index]!) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
