/**
 * The whole pipeline on one machine, no AWS account and no Docker: the API Gateway stand-in in
 * front of the real ingest handler, an SQS-compatible server with the main queue and its DLQ, a
 * DynamoDB-compatible server with the idempotency table, the event-source-mapping stand-in in front
 * of the real distribute handler, and (optionally) a local SES with a web page of the mails. The
 * handlers run unchanged; only AWS endpoints point at the stand-ins, through the same variables
 * (AWS_ENDPOINT_URL_SQS, …) the SDK reads in production.
 *
 * Every server listens on 127.0.0.1, unless the stand-ins are asked to listen on all interfaces.
 */

import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createIngestHandler } from '../functions/ingest/ingestHandler.ts';
import { RECORD_OVERHEAD_MS, UNSUBSCRIBE_PATH, WEBHOOK_ROUTE } from '../functions/shared/settings.ts';
import { createUnsubscribeHandler } from '../functions/unsubscribe/unsubscribeHandler.ts';
import { type LocalApiGateway, startLocalApiGateway } from './apiGatewayServer.ts';
import { localAwsEnvironment } from './localAws.ts';
import { type LocalDynamo, startLocalDynamo } from './localDynamo.ts';
import { type LocalSes, startLocalSes } from './localSes.ts';
import { type LocalSqs, startLocalSqs } from './localSqs.ts';
import { type LocalWorkerSettings, startLocalWorker } from './localWorker.ts';
import type { BatchSummary, QueuePoller } from './queuePoller.ts';

export const LOCAL_QUEUE_NAME = 'voucherify-webhooks';
export const LOCAL_DLQ_NAME = 'voucherify-webhooks-dlq';
export const LOCAL_TABLE_NAME = 'voucherify-webhook-idempotency';
export const LOCAL_UNSUBSCRIBE_TABLE_NAME = 'voucherify-webhook-unsubscribes';
/** Public by design, like the development signing secret: it only ever guards a server bound to 127.0.0.1. */
export const LOCAL_UNSUBSCRIBE_SECRET = 'local_unsubscribe_secret';
/** As in the stack: a record is retried this many times before it moves to the DLQ. */
export const LOCAL_MAX_RECEIVE_COUNT = 5;
/** The idempotency lock outlasts the worker's timeout by this much (the deployed stack: 30 s on a 60 s timeout). */
export const LOCAL_LOCK_MARGIN_SECONDS = 5;

export interface LocalStackOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /**
   * Ports of the SQS, DynamoDB and SES stand-ins; unset picks free ones. `npm start` fixes them, so
   * that events/env.json can name them for `sam local invoke`.
   */
  readonly standInPorts?: { readonly sqs?: number; readonly dynamodb?: number; readonly ses?: number };
  /**
   * The SQS, DynamoDB and SES stand-ins listen on every interface instead of loopback, for a
   * `sam local invoke` container on a bridge network (docs/sam-local.md). The webhook API stays on loopback.
   */
  readonly standInsOnAllInterfaces?: boolean;
  readonly secret: string;
  /** Key of the unsubscribe links; a development default unless given. */
  readonly unsubscribeSecret?: string;
  readonly channel: 'outbox' | 'ses' | 'http';
  /** Required for the outbox channel. */
  readonly outboxFile?: string;
  /** Required for the http channel: where messages are POSTed and the secret they are signed with. */
  readonly forward?: { readonly url: string; readonly signingSecret: string };
  /**
   * For the ses channel: an SES endpoint to send to instead of starting aws-ses-v2-local (tests
   * put a fault-injecting proxy in front of one).
   */
  readonly sesEndpoint?: string;
  /** Where a failed record waits before it is retried; the stack uses 6× the worker timeout. */
  readonly visibilityTimeoutSeconds?: number;
  /** The worker's timeout; its idempotency lock is this plus a margin, below the visibility timeout. */
  readonly workerTimeoutSeconds?: number;
  /**
   * How long a claim locks a send-out: the worker timeout + LOCAL_LOCK_MARGIN_SECONDS unless given.
   * It must outlast the worker timeout and expire before the visibility timeout.
   */
  readonly idempotencyLockSeconds?: number;
  readonly workerConcurrency?: number;
  readonly batchSize?: number;
  /**
   * False runs no worker in this process: start one elsewhere from `workerSettings`
   * (local/workerProcess.ts), e.g. to kill it. True by default.
   */
  readonly inProcessWorker?: boolean;
  /** Keeps DynamoDB's data on disk in this directory, so `dynamo.interrupt()` and `resume()` lose nothing. */
  readonly dynamoDataDirectory?: string;
  readonly senderAddress?: string;
  /**
   * Extra variables for both functions (e.g. CURRENCY, DELIVERY_TIMEOUT_MS). Powertools reads its
   * own variables (POWERTOOLS_LOG_LEVEL, …) from the process environment, not from here.
   */
  readonly extraEnvironment?: Readonly<Record<string, string>>;
  readonly onRequest?: Parameters<typeof startLocalApiGateway>[0]['onRequest'];
  readonly onBatch?: (summary: BatchSummary) => void;
  /** The in-process worker could not poll or acknowledge a batch (SQS unreachable). */
  readonly onPollError?: (error: unknown) => void;
}

export interface LocalStack {
  readonly url: string;
  readonly port: number;
  readonly sqs: LocalSqs;
  readonly dynamo: LocalDynamo;
  readonly ses: LocalSes | undefined;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  /** What a worker of this stack is configured with; give it to local/workerProcess.ts to run one elsewhere. */
  readonly workerSettings: LocalWorkerSettings;
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
  const workerConcurrency = options.workerConcurrency ?? 2;
  const lockSeconds = options.idempotencyLockSeconds ?? workerTimeoutSeconds + LOCAL_LOCK_MARGIN_SECONDS;
  if (lockSeconds >= visibilityTimeoutSeconds) {
    throw new Error(`The idempotency lock (${lockSeconds} s) must expire before the visibility timeout (${visibilityTimeoutSeconds} s)`);
  }
  if (lockSeconds <= workerTimeoutSeconds) {
    throw new Error(`The idempotency lock (${lockSeconds} s) must outlast the worker timeout (${workerTimeoutSeconds} s)`);
  }
  const channelEnvironment = channelVariables(options);
  // As the stack requires, one record (its delivery and the calls around it) fits in the worker's
  // timeout, or none would ever start. The function's own default (5 s) is kept whenever it fits,
  // as it does for npm start.
  const givenDeliveryTimeout = options.extraEnvironment?.DELIVERY_TIMEOUT_MS ?? process.env.DELIVERY_TIMEOUT_MS;
  const deliveryTimeout = givenDeliveryTimeout ?? String(Math.min(5000, (workerTimeoutSeconds * 1000) / 2));
  if (Number(deliveryTimeout) + RECORD_OVERHEAD_MS >= workerTimeoutSeconds * 1000) {
    throw new Error(
      `DELIVERY_TIMEOUT_MS (${deliveryTimeout} ms) plus ${RECORD_OVERHEAD_MS} ms must be shorter than the worker timeout (${workerTimeoutSeconds} s)`,
    );
  }

  const started: { stop(): Promise<unknown> }[] = [];
  const standInHost = options.standInsOnAllInterfaces ? '0.0.0.0' : '127.0.0.1';
  try {
    const sqs = await startLocalSqs({
      port: options.standInPorts?.sqs,
      host: standInHost,
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
    const dynamo = await startLocalDynamo({
      port: options.standInPorts?.dynamodb,
      host: standInHost,
      ...(options.dynamoDataDirectory ? { path: options.dynamoDataDirectory } : {}),
    });
    started.push(dynamo);
    await dynamo.createIdempotencyTable(LOCAL_TABLE_NAME);
    await dynamo.createUnsubscribeTable(LOCAL_UNSUBSCRIBE_TABLE_NAME);
    const ses =
      options.channel === 'ses' && !options.sesEndpoint
        ? await startLocalSes({ port: options.standInPorts?.ses, host: standInHost })
        : undefined;
    if (ses) started.push(ses);

    // The handlers build their SDK clients from the environment, exactly as on Lambda.
    const awsEnvironment = localAwsEnvironment({
      sqs: sqs.endpoint,
      dynamodb: dynamo.endpoint,
      sesv2: options.channel === 'ses' ? (options.sesEndpoint ?? ses?.endpoint) : undefined,
    });
    Object.assign(process.env, awsEnvironment);
    const queueUrl = sqs.queueUrl(LOCAL_QUEUE_NAME);
    const deadLetterQueueUrl = sqs.queueUrl(LOCAL_DLQ_NAME);

    const ingest = createIngestHandler({
      ...process.env,
      ...options.extraEnvironment,
      QUEUE_URL: queueUrl,
      VOUCHERIFY_WEBHOOK_SECRET: options.secret,
      VOUCHERIFY_WEBHOOK_SECRET_ARN: undefined,
    });
    // What the unsubscribe function and the worker share: the key of the links and the table.
    const unsubscribeEnvironment = {
      UNSUBSCRIBE_SECRET: options.unsubscribeSecret ?? LOCAL_UNSUBSCRIBE_SECRET,
      UNSUBSCRIBE_TABLE_NAME: LOCAL_UNSUBSCRIBE_TABLE_NAME,
    };
    const unsubscribe = createUnsubscribeHandler({ ...process.env, ...options.extraEnvironment, ...unsubscribeEnvironment });
    const gateway: LocalApiGateway = await startLocalApiGateway({
      port: options.port,
      routes: [
        { methods: [WEBHOOK_ROUTE.method], path: WEBHOOK_ROUTE.path, handler: ingest },
        { methods: ['GET', 'POST'], path: UNSUBSCRIBE_PATH, handler: unsubscribe },
      ],
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    });
    started.push(gateway);
    const workerSettings: LocalWorkerSettings = {
      queueUrl,
      queueName: LOCAL_QUEUE_NAME,
      environment: {
        ...awsEnvironment,
        ...options.extraEnvironment,
        ...channelEnvironment,
        ...unsubscribeEnvironment,
        UNSUBSCRIBE_URL: `${gateway.origin}${UNSUBSCRIBE_PATH}`,
        QUEUE_URL: queueUrl,
        // Each poller has a handler, and so a pacer, of its own, as each Lambda container does.
        WORKER_MAX_CONCURRENCY: String(workerConcurrency),
        DEAD_LETTER_QUEUE_URL: deadLetterQueueUrl,
        IDEMPOTENCY_TABLE_NAME: LOCAL_TABLE_NAME,
        IDEMPOTENCY_LOCK_SECONDS: String(lockSeconds),
        DELIVERY_TIMEOUT_MS: deliveryTimeout,
      },
      functionTimeoutSeconds: workerTimeoutSeconds,
      batchSize: options.batchSize ?? 10,
      concurrency: workerConcurrency,
    };
    const poller: QueuePoller | undefined =
      options.inProcessWorker === false
        ? undefined
        : startLocalWorker(workerSettings, {
            ...(options.onBatch ? { onBatch: options.onBatch } : {}),
            ...(options.onPollError ? { onPollError: options.onPollError } : {}),
          });
    if (poller) started.push(poller);
    const pollerClient = sqs.client();

    const queueDepths = () => depths(pollerClient, queueUrl, deadLetterQueueUrl);
    const waitUntilDrained = async (timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { queued, inFlight } = await queueDepths();
        if (queued === 0 && inFlight === 0 && (poller?.inFlightBatches ?? 0) === 0) return;
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
      workerSettings,
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
        pollerClient.destroy();
        // The worker first (it drains what it holds), then the servers.
        for (const server of started.reverse()) await server.stop();
        return { undelivered };
      },
    };
  } catch (error) {
    for (const server of started.reverse()) await server.stop().catch(() => undefined);
    throw error;
  }
}

/** The distribute function's channel variables, as the stack would set them. */
function channelVariables(options: LocalStackOptions): Record<string, string> {
  return { SENDER_ADDRESS: options.senderAddress ?? 'no-reply@example.com', ...deliveryVariables(options) };
}

function deliveryVariables(options: LocalStackOptions): Record<string, string> {
  switch (options.channel) {
    case 'outbox':
      if (!options.outboxFile) throw new Error('The outbox channel needs outboxFile');
      return { DELIVERY_CHANNEL: 'outbox', OUTBOX_FILE: options.outboxFile };
    case 'ses':
      return { DELIVERY_CHANNEL: 'ses' };
    case 'http':
      if (!options.forward) throw new Error('The http channel needs forward: { url, signingSecret }');
      return { DELIVERY_CHANNEL: 'http', FORWARD_URL: options.forward.url, FORWARD_SIGNING_SECRET: options.forward.signingSecret };
  }
}

async function depths(client: SQSClient, queueUrl: string, deadLetterQueueUrl: string) {
  const attributeNames = [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
    'ApproximateNumberOfMessagesDelayed',
  ] as const;
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
