import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { cachedSecret, parseSecretList } from '../shared/cachedSecret.ts';
import { readSecretString } from '../shared/secretsManagerSecret.ts';
import { type Environment, RECORD_OVERHEAD_MS } from '../shared/settings.ts';
import { dynamoUnsubscribeList } from '../shared/unsubscribeList.ts';
import { unsubscribeUrl } from '../shared/unsubscribeToken.ts';
import { type ChannelConfig, type DistributeConfig, loadDistributeConfig, type SecretSource } from './config.ts';
import { sqsDeadLetterQueue } from './deadLetterQueue.ts';
import { sqsDeferralQueue } from './deferralQueue.ts';
import type { DeliveryChannel } from './deliveryChannel.ts';
import type { DistributeDependencies } from './distributeRecord.ts';
import { TransientDeliveryError } from './errors.ts';
import { createFormatters } from './formatters.ts';
import { httpChannel } from './httpChannel.ts';
import { dynamoIdempotencyStore } from './idempotencyStore.ts';
import { outboxChannel } from './outboxChannel.ts';
import { createSendPacer } from './sendPacer.ts';
import { sesChannel } from './sesChannel.ts';
import { sesAccountSendRate } from './sesSendRate.ts';

/** SDK clients to use instead of the ones built from the environment (tests, local runs). */
export interface DistributeWiring {
  readonly sqs?: SQSClient;
  readonly dynamoDb?: DynamoDBClient;
  readonly sesv2?: SESv2Client;
  /** Told when a cached forwarding secret is served because Secrets Manager could not be read. */
  readonly onStaleSecret?: (error: unknown) => void;
  /** Told when SES GetAccount fails and the pacer falls back to a rate every account allows. */
  readonly onSendRateUnavailable?: (error: unknown) => void;
}

/** SES quotas are raised on request: the account's rate is read again this often. */
const SES_RATE_REFRESH_MS = 60 * 60 * 1000;

// DynamoDB and SQS answer in milliseconds; an endpoint that does not is failed fast, so the record
// is retried later rather than holding the batch.
const FAST_FAIL = { maxAttempts: 3, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 } } as const;

/**
 * Builds the production dependencies from the environment, once per container. Throws
 * ConfigurationError naming the variable when the configuration is unusable.
 */
export function createDistributeDependencies(
  env: Environment,
  wiring: DistributeWiring = {},
): DistributeDependencies & { readonly config: DistributeConfig } {
  const config = loadDistributeConfig(env);
  const dynamoDb = wiring.dynamoDb ?? new DynamoDBClient(FAST_FAIL);
  const sqs = wiring.sqs ?? new SQSClient(FAST_FAIL);
  const sesv2 =
    config.delivery.channel === 'ses'
      ? (wiring.sesv2 ??
        new SESv2Client({ maxAttempts: 3, requestHandler: { connectionTimeout: 1000, requestTimeout: config.deliveryTimeoutMs } }))
      : undefined;
  const unsubscribeKey = secretReader(config.unsubscribe.secret, 'unsubscribe secret', wiring);
  return {
    config,
    channel: createChannel(config.delivery, config.deliveryTimeoutMs, wiring, sesv2),
    pacer: createSendPacer({ totalRate: totalRateOf(config, sesv2, wiring), concurrency: config.pacing.concurrency }),
    deferrals: sqsDeferralQueue({ client: sqs, queueUrl: config.queueUrl, timeoutMs: config.deliveryTimeoutMs }),
    maxSendOutAgeMs: config.pacing.maxSendOutAgeHours * 60 * 60 * 1000,
    recordBudgetMs: config.deliveryTimeoutMs + RECORD_OVERHEAD_MS,
    idempotency: dynamoIdempotencyStore({
      client: dynamoDb,
      tableName: config.idempotencyTableName,
      lockSeconds: config.idempotencyLockSeconds,
      retentionDays: config.idempotencyRetentionDays,
    }),
    deadLetters: sqsDeadLetterQueue({
      client: sqs,
      queueUrl: config.deadLetterQueueUrl,
      timeoutMs: config.deliveryTimeoutMs,
    }),
    format: createFormatters(config.formatting),
    sender: config.sender,
    unsubscribeLinks: {
      urlFor: async (customerId) => {
        const [current = ''] = parseSecretList(await unsubscribeKey());
        return unsubscribeUrl(config.unsubscribe.url, customerId, current);
      },
    },
    unsubscribes: dynamoUnsubscribeList({ client: dynamoDb, tableName: config.unsubscribe.tableName }),
  };
}

/** The configured rate wins; else SES's account rate for the ses channel; else none (unpaced until pushed back). */
function totalRateOf(
  config: DistributeConfig,
  sesv2: SESv2Client | undefined,
  wiring: DistributeWiring,
): () => Promise<number | undefined> {
  const configured = config.pacing.ratePerSecond;
  if (configured !== undefined || sesv2 === undefined) return () => Promise.resolve(configured);
  return sesAccountSendRate({
    client: sesv2,
    refreshMs: SES_RATE_REFRESH_MS,
    ...(wiring.onSendRateUnavailable ? { onUnavailable: wiring.onSendRateUnavailable } : {}),
  });
}

function createChannel(
  delivery: ChannelConfig,
  timeoutMs: number,
  wiring: DistributeWiring,
  sesv2: SESv2Client | undefined,
): DeliveryChannel {
  switch (delivery.channel) {
    case 'ses':
      return sesChannel({
        client: sesv2 ?? new SESv2Client({}),
        fromAddress: delivery.fromAddress,
        configurationSet: delivery.configurationSet,
        timeoutMs,
      });
    case 'http':
      return httpChannel({
        url: delivery.forwardUrl,
        signingSecret: secretReader(delivery.signingSecret, 'forwarding signing secret', wiring),
        timeoutMs,
      });
    case 'outbox':
      return outboxChannel({ file: delivery.outboxFile });
  }
}

/** A secret's value, given directly or read from Secrets Manager and cached (see cachedSecret). */
function secretReader(source: SecretSource, label: string, wiring: DistributeWiring): () => Promise<string> {
  if ('value' in source) {
    const secret = Promise.resolve(source.value);
    return () => secret;
  }
  const detail = label.replaceAll(' ', '_');
  const cached = cachedSecret({
    fetchSecret: () => readSecretString(source.arn),
    ttlMs: source.cacheTtlSeconds * 1000,
    parse: (value) => {
      const secret = value.trim();
      // Fail closed, and transiently: the records wait (then reach the DLQ) until the secret is fixed.
      if (!secret) throw new TransientDeliveryError(`The ${label} is empty`, `${detail}_empty`);
      return secret;
    },
    unavailableError: (cause) => new TransientDeliveryError(`Could not read the ${label}`, `${detail}_unavailable`, { cause }),
    ...(wiring.onStaleSecret ? { onStaleServed: wiring.onStaleSecret } : {}),
  });
  return () => cached.current();
}
