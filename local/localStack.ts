/**
 * The whole pipeline on one machine, no AWS account and no Docker: the API Gateway stand-in in
 * front of the real ingest handler, an SQS-compatible server with the main queue and its DLQ, a
 * DynamoDB-compatible server with the idempotency table, the event-source-mapping stand-in in front
 * of the real distribute handler, and (optionally) a local SES with a web page of the mails. The
 * handlers run unchanged; only AWS endpoints point at the stand-ins, through the same variables
 * (AWS_ENDPOINT_URL_SQS, …) the SDK reads in production.
 *
 * Every server listens on 127.0.0.1.
 */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createDistributeHandler } from '../functions/distribute/distributeHandler.ts';
import { createIngestHandler } from '../functions/ingest/ingestHandler.ts';
import { type LocalApiGateway, startLocalApiGateway } from './apiGatewayServer.ts';
import { localQueueArn } from './lambdaEvents.ts';
import { localAwsEnvironment } from './localAws.ts';
import { type LocalDynamo, startLocalDynamo } from './localDynamo.ts';
import { type LocalSes, startLocalSes } from './localSes.ts';
import { type LocalSqs, startLocalSqs } from './localSqs.ts';
import { type BatchSummary, type QueuePoller, startQueuePoller } from './queuePoller.ts';

export const LOCAL_QUEUE_NAME = 'voucherify-webhooks';
export const LOCAL_DLQ_NAME = 'voucherify-webhooks-dlq';
export const LOCAL_TABLE_NAME = 'voucherify-webhook-idempotency';
/** As in the stack: a record is retried this many times before it moves to the DLQ. */
export const LOCAL_MAX_RECEIVE_COUNT = 5;

export interface LocalStackOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly secret: string;
  readonly channel: 'outbox' | 'ses';
  readonly outboxFile: string;
  /** Where a failed record waits before it is retried; the stack uses 6× the worker timeout. */
  readonly visibilityTimeoutSeconds?: number;
  /** The worker's timeout; its idempotency lock is this plus a margin, below the visibility timeout. */
  readonly workerTimeoutSeconds?: number;
  readonly workerConcurrency?: number;
  readonly batchSize?: number;
  readonly sesFromAddress?: string;
  /** Extra variables for both functions (e.g. POWERTOOLS_LOG_LEVEL, CURRENCY). */
  readonly extraEnvironment?: Readonly<Record<string, string>>;
  readonly onRequest?: Parameters<typeof startLocalApiGateway>[0]['onRequest'];
  readonly onBatch?: (summary: BatchSummary) => void;
}

export interface LocalStack {
  readonly url: string;
  readonly port: number;
  readonly sqs: LocalSqs;
  readonly dynamo: LocalDynamo;
  readonly ses: LocalSes | undefined;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  /** Resolves once the queue holds no message, visible or in flight, or rejects after `timeoutMs`. */
  waitUntilDrained(timeoutMs: number): Promise<void>;
  /** Messages in the queue (visible + in flight) and in the DLQ. */
  queueDepths(): Promise<{ queued: number; inFlight: number; deadLettered: number }>;
  /**
   * Graceful stop: stops accepting webhooks, lets the worker drain the queue for up to
   * `drainTimeoutMs` (a record in a retry back-off may take longer), then stops everything.
   * Returns how many messages were left undelivered in the queue.
   */
  stop(drainTimeoutMs?: number): Promise<{ undelivered: number }>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 30;
  const workerTimeoutSeconds = options.workerTimeoutSeconds ?? 20;
  const lockSeconds = workerTimeoutSeconds + 5;
  if (lockSeconds >= visibilityTimeoutSeconds) {
    throw new Error('The idempotency lock (worker timeout + 5 s) must expire before the visibility timeout');
  }

  const started: { stop(): Promise<unknown> }[] = [];
  try {
    const sqs = await startLocalSqs({
      queues: [
        { name: LOCAL_DLQ_NAME, attributes: { MessageRetentionPeriod: String(14 * 86_400) } },
        {
          name: LOCAL_QUEUE_NAME,
          attributes: { VisibilityTimeout: String(visibilityTimeoutSeconds) },
          deadLetter: { queueName: LOCAL_DLQ_NAME, maxReceiveCount: LOCAL_MAX_RECEIVE_COUNT },
        },
      ],
    });
    started.push(sqs);
    const dynamo = await startLocalDynamo();
    started.push(dynamo);
    await dynamo.createIdempotencyTable(LOCAL_TABLE_NAME);
    const ses = options.channel === 'ses' ? await startLocalSes() : undefined;
    if (ses) started.push(ses);

    // The handlers build their SDK clients from the environment, exactly as on Lambda.
    Object.assign(process.env, localAwsEnvironment({ sqs: sqs.endpoint, dynamodb: dynamo.endpoint, sesv2: ses?.endpoint }));
    const queueUrl = sqs.queueUrl(LOCAL_QUEUE_NAME);
    const deadLetterQueueUrl = sqs.queueUrl(LOCAL_DLQ_NAME);

    const ingest = createIngestHandler({
      ...process.env,
      ...options.extraEnvironment,
      QUEUE_URL: queueUrl,
      VOUCHERIFY_WEBHOOK_SECRET: options.secret,
      VOUCHERIFY_WEBHOOK_SECRET_ARN: undefined,
    });
    const distribute = createDistributeHandler({
      ...process.env,
      ...options.extraEnvironment,
      DELIVERY_CHANNEL: options.channel,
      OUTBOX_FILE: options.outboxFile,
      SES_FROM_ADDRESS: options.sesFromAddress ?? 'Voucherify Segment Webhook <no-reply@example.com>',
      DEAD_LETTER_QUEUE_URL: deadLetterQueueUrl,
      IDEMPOTENCY_TABLE_NAME: LOCAL_TABLE_NAME,
      IDEMPOTENCY_LOCK_SECONDS: String(lockSeconds),
    });

    const pollerClient = sqs.client();
    const poller: QueuePoller = startQueuePoller({
      client: pollerClient,
      queueUrl,
      queueArn: localQueueArn(LOCAL_QUEUE_NAME),
      handler: distribute,
      functionName: 'distribute',
      functionTimeoutMs: workerTimeoutSeconds * 1000,
      batchSize: options.batchSize ?? 10,
      concurrency: options.workerConcurrency ?? 2,
      ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    });
    const gateway: LocalApiGateway = await startLocalApiGateway({
      port: options.port,
      handler: ingest,
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    });

    const queueDepths = () => depths(pollerClient, queueUrl, deadLetterQueueUrl);
    const waitUntilDrained = async (timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { queued, inFlight } = await queueDepths();
        if (queued === 0 && inFlight === 0 && poller.inFlightBatches === 0) return;
        if (Date.now() > deadline) throw new Error(`Queue not drained after ${timeoutMs} ms: ${queued} queued, ${inFlight} in flight`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    return {
      url: gateway.url,
      port: gateway.port,
      sqs,
      dynamo,
      ses,
      queueUrl,
      deadLetterQueueUrl,
      queueDepths,
      waitUntilDrained,
      async stop(drainTimeoutMs = 10_000) {
        await gateway.stop();
        let undelivered = 0;
        try {
          await waitUntilDrained(drainTimeoutMs);
        } catch {
          const { queued, inFlight } = await queueDepths();
          undelivered = queued + inFlight;
        }
        await poller.stop();
        pollerClient.destroy();
        for (const server of started.reverse()) await server.stop();
        return { undelivered };
      },
    };
  } catch (error) {
    for (const server of started.reverse()) await server.stop().catch(() => undefined);
    throw error;
  }
}

async function depths(client: SQSClient, queueUrl: string, deadLetterQueueUrl: string) {
  const attributeNames = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const;
  const [main, dlq] = await Promise.all(
    [queueUrl, deadLetterQueueUrl].map((url) =>
      client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [...attributeNames] })),
    ),
  );
  const count = (attributes: Record<string, string> | undefined, name: string) => Number(attributes?.[name] ?? 0);
  return {
    queued: count(main?.Attributes, 'ApproximateNumberOfMessages') + count(main?.Attributes, 'ApproximateNumberOfMessagesDelayed'),
    inFlight: count(main?.Attributes, 'ApproximateNumberOfMessagesNotVisible'),
    deadLettered: count(dlq?.Attributes, 'ApproximateNumberOfMessages'),
  };
}
