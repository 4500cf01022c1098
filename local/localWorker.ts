/**
 * The worker side of the local pipeline: the real distribute handler, built from its environment
 * as on Lambda, behind the event-source-mapping stand-in (queuePoller.ts). The local stack runs it
 * in its own process; local/workerProcess.ts runs it in a process of its own, which the
 * reliability tests kill mid-batch.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDistributeHandler } from '../functions/distribute/distributeHandler.ts';
import { localQueueArn } from './lambdaEvents.ts';
import { localAwsClientConfig } from './localAws.ts';
import { type BatchSummary, type QueuePoller, startQueuePoller } from './queuePoller.ts';

/** Everything a worker needs, as plain data, so it can be handed to another process as JSON. */
export interface LocalWorkerSettings {
  readonly queueUrl: string;
  readonly queueName: string;
  /**
   * The distribute function's variables, AWS endpoints (AWS_ENDPOINT_URL_*) and credentials
   * included. The SDK reads endpoints from the process environment, so a worker process must have
   * these in its own environment (local/workerProcess.ts puts them there).
   */
  readonly environment: Readonly<Record<string, string>>;
  /** The function's timeout, given to the handler as the context's remaining time. */
  readonly functionTimeoutSeconds: number;
  readonly batchSize: number;
  /** Parallel pollers, like the event source mapping's maximum concurrency. */
  readonly concurrency: number;
}

export interface LocalWorkerHooks {
  readonly onBatch?: (summary: BatchSummary) => void;
  /** SQS could not be polled or a batch not acknowledged (the queue is unreachable). */
  readonly onPollError?: (error: unknown) => void;
}

/**
 * Starts polling. As on Lambda, an unusable configuration does not stop the worker: the handler
 * logs it and reports every record as failed (see createDistributeHandler).
 */
export function startLocalWorker(settings: LocalWorkerSettings, hooks: LocalWorkerHooks = {}): QueuePoller {
  const environment = { ...process.env, ...settings.environment };
  const client = new SQSClient({ ...localAwsClientConfig(), endpoint: settings.environment.AWS_ENDPOINT_URL_SQS });
  const poller = startQueuePoller({
    client,
    queueUrl: settings.queueUrl,
    queueArn: localQueueArn(settings.queueName),
    createHandler: () => createDistributeHandler(environment),
    functionName: 'distribute',
    functionTimeoutMs: settings.functionTimeoutSeconds * 1000,
    batchSize: settings.batchSize,
    concurrency: settings.concurrency,
    ...(hooks.onBatch ? { onBatch: hooks.onBatch } : {}),
    ...(hooks.onPollError ? { onPollError: hooks.onPollError } : {}),
  });
  return {
    get inFlightBatches() {
      return poller.inFlightBatches;
    },
    async stop() {
      await poller.stop();
      client.destroy();
    },
  };
}
