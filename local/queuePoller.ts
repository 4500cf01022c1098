/**
 * A local stand-in for Lambda's SQS event source mapping: long-polls the queue, hands batches of up
 * to `batchSize` records to the worker handler as a real SQS event, deletes the records that
 * succeeded and leaves the ones reported in `batchItemFailures` to come back after the visibility
 * timeout (and, after maxReceiveCount receives, to move to the DLQ), exactly as
 * ReportBatchItemFailures does on AWS. A handler that throws or returns a malformed response fails
 * the whole batch, as on AWS.
 */
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaContext, sqsEventFromMessages } from './lambdaEvents.ts';

export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface BatchSummary {
  readonly received: number;
  readonly failed: number;
  readonly handlerError?: unknown;
  /**
   * Records that succeeded but could not be deleted (SQS unreachable): they come back after the
   * visibility timeout, as on AWS, and the idempotency table drops them then.
   */
  readonly notDeleted?: number;
}

export interface QueuePollerOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  /**
   * Builds the handler of one poller. Each poller gets its own, called once per poller, as each
   * concurrent invocation on Lambda runs in a container of its own with its own module state.
   */
  readonly createHandler: () => SqsBatchHandler;
  readonly functionName?: string;
  readonly batchSize?: number;
  /** Parallel pollers, like the event source mapping's maximum concurrency. */
  readonly concurrency?: number;
  /** The worker function's timeout, given to the handler as the context's remaining time. */
  readonly functionTimeoutMs?: number;
  /** Short polls keep stop() quick; AWS uses 20 s. */
  readonly waitTimeSeconds?: number;
  readonly onBatch?: (summary: BatchSummary) => void;
  readonly onPollError?: (error: unknown) => void;
}

export interface QueuePoller {
  /** Stops polling, lets every batch already received finish and be acknowledged, then resolves. */
  stop(): Promise<void>;
  /** Resolves once no batch is being handled (useful to wait for a quiet pipeline). */
  readonly inFlightBatches: number;
}

/** Which records failed, per the partial batch response contract; every record when it is malformed. */
export function failedMessageIds(event: SQSEvent, response: SQSBatchResponse | undefined | null): Set<string> {
  const all = new Set(event.Records.map((record) => record.messageId));
  if (response === undefined || response === null) return new Set();
  if (!Array.isArray(response.batchItemFailures)) return all;
  const failed = new Set<string>();
  for (const failure of response.batchItemFailures) {
    if (!failure || typeof failure.itemIdentifier !== 'string' || !all.has(failure.itemIdentifier)) return all;
    failed.add(failure.itemIdentifier);
  }
  return failed;
}

export function startQueuePoller(options: QueuePollerOptions): QueuePoller {
  const batchSize = options.batchSize ?? 10;
  let stopping = false;
  let inFlight = 0;

  /** Deletes the messages; returns how many SQS reported it could not delete. */
  async function acknowledge(messages: readonly Message[]): Promise<number> {
    let notDeleted = 0;
    for (let start = 0; start < messages.length; start += 10) {
      const chunk = messages.slice(start, start + 10);
      const { Failed: failed = [] } = await options.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
      notDeleted += failed.length;
    }
    return notDeleted;
  }

  async function handleBatch(handler: SqsBatchHandler, messages: Message[]): Promise<void> {
    const event = sqsEventFromMessages(messages, options.queueArn);
    let failed: Set<string>;
    let handlerError: unknown;
    try {
      const response = await handler(event, lambdaContext(options.functionName ?? 'distribute', options.functionTimeoutMs));
      failed = failedMessageIds(event, response);
    } catch (error) {
      handlerError = error;
      failed = new Set(event.Records.map((record) => record.messageId));
    }
    const succeeded = messages.filter((message) => !failed.has(message.MessageId ?? ''));
    let notDeleted = 0;
    try {
      notDeleted = await acknowledge(succeeded);
    } catch (error) {
      notDeleted = succeeded.length;
      options.onPollError?.(error);
    }
    options.onBatch?.({
      received: messages.length,
      failed: failed.size,
      ...(handlerError ? { handlerError } : {}),
      ...(notDeleted > 0 ? { notDeleted } : {}),
    });
  }

  async function pollLoop(): Promise<void> {
    const handler = options.createHandler();
    while (!stopping) {
      let messages: Message[];
      try {
        const received = await options.client.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: options.waitTimeSeconds ?? 1,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
          }),
        );
        messages = received.Messages ?? [];
      } catch (error) {
        options.onPollError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      if (messages.length === 0) continue;
      // Received messages are handled even while stopping: that is the drain.
      inFlight++;
      try {
        await handleBatch(handler, messages);
      } catch (error) {
        options.onPollError?.(error);
      } finally {
        inFlight--;
      }
    }
  }

  const loops = Array.from({ length: options.concurrency ?? 2 }, () => pollLoop());
  return {
    get inFlightBatches() {
      return inFlight;
    },
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}
