import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { cachedSecret } from '../shared/cachedSecret.ts';
import { readSecretString } from '../shared/secretsManagerSecret.ts';
import type { Environment } from '../shared/settings.ts';
import { type ChannelConfig, type DistributeConfig, type HttpChannelConfig, loadDistributeConfig } from './config.ts';
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
  return {
    config,
    channel: createChannel(config.delivery, config.deliveryTimeoutMs, wiring),
    idempotency: dynamoIdempotencyStore({
      client: wiring.dynamoDb ?? new DynamoDBClient(FAST_FAIL),
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
      return httpChannel({ url: delivery.forwardUrl, signingSecret: forwardingSecret(delivery.signingSecret, wiring), timeoutMs });
    case 'outbox':
      return outboxChannel({ file: delivery.outboxFile });
  }
}

function forwardingSecret(signing: HttpChannelConfig['signingSecret'], wiring: DistributeWiring): () => Promise<string> {
  if ('value' in signing) {
    const secret = Promise.resolve(signing.value);
    return () => secret;
  }
  const cached = cachedSecret({
    fetchSecret: () => readSecretString(signing.arn),
    ttlMs: signing.cacheTtlSeconds * 1000,
    parse: (value) => {
      const secret = value.trim();
      // Fail closed, and transiently: the records wait (then reach the DLQ) until the secret is fixed.
      if (!secret) throw new TransientDeliveryError('The forwarding signing secret is empty', 'signing_secret_empty');
      return secret;
    },
    unavailableError: (cause) =>
      new TransientDeliveryError('Could not read the forwarding signing secret', 'signing_secret_unavailable', { cause }),
    ...(wiring.onStaleSecret ? { onStaleServed: wiring.onStaleSecret } : {}),
  });
  return () => cached.current();
}
