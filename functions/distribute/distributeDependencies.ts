import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { cachedSecret, parseSecretList } from '../shared/cachedSecret.ts';
import { readSecretString } from '../shared/secretsManagerSecret.ts';
import type { Environment } from '../shared/settings.ts';
import { dynamoUnsubscribeList } from '../shared/unsubscribeList.ts';
import { unsubscribeUrl } from '../shared/unsubscribeToken.ts';
import { type ChannelConfig, type DistributeConfig, loadDistributeConfig, type SecretSource } from './config.ts';
import { sqsDeadLetterQueue } from './deadLetterQueue.ts';
import type { DeliveryChannel } from './deliveryChannel.ts';
import type { DistributeDependencies } from './distributeRecord.ts';
import { TransientDeliveryError } from './errors.ts';
import { createFormatters } from './formatters.ts';
import { httpChannel } from './httpChannel.ts';
import { dynamoIdempotencyStore } from './idempotencyStore.ts';
import { outboxChannel } from './outboxChannel.ts';
import { sesChannel } from './sesChannel.ts';

/** SDK clients to use instead of the ones built from the environment (tests, local runs). */
export interface DistributeWiring {
  readonly sqs?: SQSClient;
  readonly dynamoDb?: DynamoDBClient;
  readonly sesv2?: SESv2Client;
  /** Told when a cached forwarding secret is served because Secrets Manager could not be read. */
  readonly onStaleSecret?: (error: unknown) => void;
}

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
  const unsubscribeKey = secretReader(config.unsubscribe.secret, 'unsubscribe secret', wiring);
  return {
    config,
    channel: createChannel(config.delivery, config.deliveryTimeoutMs, wiring),
    idempotency: dynamoIdempotencyStore({
      client: dynamoDb,
      tableName: config.idempotencyTableName,
      lockSeconds: config.idempotencyLockSeconds,
      retentionDays: config.idempotencyRetentionDays,
    }),
    deadLetters: sqsDeadLetterQueue({
      client: wiring.sqs ?? new SQSClient(FAST_FAIL),
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

function createChannel(delivery: ChannelConfig, timeoutMs: number, wiring: DistributeWiring): DeliveryChannel {
  switch (delivery.channel) {
    case 'ses':
      return sesChannel({
        client: wiring.sesv2 ?? new SESv2Client({ maxAttempts: 3, requestHandler: { connectionTimeout: 1000, requestTimeout: timeoutMs } }),
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
