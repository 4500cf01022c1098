import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createLogger, createMetrics } from '../shared/observability.ts';
import { publishMetrics } from '../shared/publishMetrics.ts';
import { readSecretString } from '../shared/secretsManagerSecret.ts';
import { type Environment, queueMaxMessageBytes, SERVICE_NAMES } from '../shared/settings.ts';
import { loadIngestConfig } from './config.ts';
import { enqueueWebhook } from './enqueueWebhook.ts';
import { bodySizeLimit } from './middleware/bodySizeLimit.ts';
import { jsonBodyParser } from './middleware/jsonBodyParser.ts';
import { jsonContentType } from './middleware/jsonContentType.ts';
import { voucherifySignature } from './middleware/voucherifySignature.ts';
import { webhookErrorResponse } from './middleware/webhookErrorResponse.ts';
import { webhookValidator } from './middleware/webhookValidator.ts';
import { cachedSigningSecrets, type SigningSecrets, staticSigningSecrets } from './signingSecrets.ts';
import type { IngestHandler, ValidatedEvent } from './types.ts';
import { sqsWebhookQueue, type WebhookQueue } from './webhookQueue.ts';

/** What the ingest reaches beyond the request: built from the environment, or given (tests, benchmarks). */
export interface IngestDependencies {
  readonly secrets: SigningSecrets;
  readonly queue: WebhookQueue;
  readonly maxBodyBytes: number;
  /** 0 turns the replay guard off. */
  readonly maxEventAgeSeconds: number;
  readonly now?: () => number;
}

export interface IngestHandlerOptions {
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly dependencies?: IngestDependencies;
}

/**
 * The production dependencies from the environment. A secret given directly wins over a Secrets
 * Manager ARN, so a local run never reaches for AWS; with neither, every request is refused with a
 * 500 (fail closed) rather than accepted unverified.
 */
export function createIngestDependencies(env: Environment, logger: Logger): IngestDependencies {
  const config = loadIngestConfig(env);
  const { secretArn } = config;
  const secrets =
    config.secretValue !== undefined || secretArn === undefined
      ? staticSigningSecrets(config.secretValue)
      : cachedSigningSecrets({
          fetchSecret: () => readSecretString(secretArn),
          ttlMs: config.secretCacheTtlSeconds * 1000,
          onStaleServed: (error) => logger.warn('Serving a cached signing secret: Secrets Manager could not be read', { error }),
        });
  return {
    secrets,
    queue: sqsWebhookQueue({
      queueUrl: config.queueUrl,
      timeoutMs: config.enqueueTimeoutMs,
      maxMessageBytes: queueMaxMessageBytes(config.maxBodyBytes),
    }),
    maxBodyBytes: config.maxBodyBytes,
    maxEventAgeSeconds: config.maxEventAgeSeconds,
  };
}

/**
 * The ingest Lambda handler: API Gateway HTTP API (payload 2.0), route POST /webhooks/voucherify.
 * Dependencies are built once per container; a configuration error is logged once and then every
 * request is answered 500, never 2xx.
 */
export function createIngestHandler(env: Environment, options: IngestHandlerOptions = {}): IngestHandler {
  const logger = options.logger ?? createLogger(SERVICE_NAMES.ingest, env);
  const metrics = options.metrics ?? createMetrics(SERVICE_NAMES.ingest, env);
  const observed = () =>
    middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
      .use(publishMetrics(metrics))
      // logEvent false overrides POWERTOOLS_LOGGER_LOG_EVENT: the event holds the signature and the
      // customer's contact details, which must not be logged even when someone turns event logging on.
      .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
      .use(webhookErrorResponse({ logger, metrics }));

  let dependencies: IngestDependencies;
  try {
    dependencies = options.dependencies ?? createIngestDependencies(env, logger);
  } catch (error) {
    logger.error('The ingest function is misconfigured; every request will be refused', { error });
    return observed().handler(() => {
      throw error;
    });
  }

  return observed()
    .use(httpHeaderNormalizer())
    .use(bodySizeLimit({ maxBytes: dependencies.maxBodyBytes }))
    .use(jsonContentType())
    .use(voucherifySignature({ secrets: dependencies.secrets }))
    .use(jsonBodyParser())
    .use(webhookValidator())
    .handler(
      enqueueWebhook({ ...dependencies, logger, metrics }) as unknown as (
        event: APIGatewayProxyEventV2,
      ) => Promise<APIGatewayProxyStructuredResultV2>,
    );
}

export type { IngestHandler, ValidatedEvent };
