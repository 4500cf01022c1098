import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Environment } from '../shared/env.ts';
import { createLogger, createMetrics } from '../shared/observability.ts';
import { createIngestDependencies } from './ingestDependencies.ts';
import { type ReceiveWebhookDependencies, receiveWebhook, type WebhookOutcome, type WebhookRequest } from './receiveWebhook.ts';
import { classifyFailure, failureResponse, outcomeResponse } from './webhookResponse.ts';

export const INGEST_SERVICE_NAME = 'voucherify-webhook-ingest';

export interface IngestHandlerOptions {
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Replaces the dependencies built from the environment (tests, benchmarks). */
  readonly dependencies?: ReceiveWebhookDependencies;
}

export type IngestHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** API Gateway lower-cases header names in payload 2.0; other callers (tests, tools) may not. */
export function readHeader(headers: APIGatewayProxyEventV2['headers'] | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const exact = headers[name];
  if (exact !== undefined) return exact;
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === name) return headers[key];
  }
  return undefined;
}

export const toWebhookRequest = (event: APIGatewayProxyEventV2): WebhookRequest => ({
  body: event.body,
  isBase64Encoded: event.isBase64Encoded === true,
  contentType: readHeader(event.headers, 'content-type'),
  signature: readHeader(event.headers, 'x-voucherify-signature'),
});

/**
 * The ingest Lambda handler: plain functions (receiveWebhook, webhookResponse) wired to API
 * Gateway, Powertools logs and metrics. Dependencies are built once per container; a
 * configuration error is logged once and then answered as a 500 on every request, never a 2xx.
 */
export function createIngestHandler(env: Environment, options: IngestHandlerOptions = {}): IngestHandler {
  const logger = options.logger ?? createLogger(INGEST_SERVICE_NAME);
  const metrics = options.metrics ?? createMetrics(INGEST_SERVICE_NAME);

  let dependencies: ReceiveWebhookDependencies | undefined = options.dependencies;
  let configurationError: unknown;
  if (!dependencies) {
    try {
      dependencies = createIngestDependencies(env, {
        onStaleSecret: (error) => logger.warn('Serving a cached signing secret: Secrets Manager could not be read', { error }),
      });
    } catch (error) {
      configurationError = error;
      logger.error('The ingest function is misconfigured; every request will be refused', { error });
    }
  }

  // Every log line after the envelope is validated carries its ids; injectLambdaContext resets them.
  const requestDependencies: ReceiveWebhookDependencies | undefined = dependencies && {
    ...dependencies,
    onIdentified: (identity) =>
      logger.appendKeys({
        envelope_id: identity.envelopeId,
        event_id: identity.eventId,
        distribution_id: identity.distributionId,
      }),
  };

  function recordOutcome(outcome: WebhookOutcome): void {
    switch (outcome.outcome) {
      case 'accepted':
        metrics.addMetric('WebhookAccepted', MetricUnit.Count, 1);
        logger.info('Webhook accepted', { kind: outcome.kind });
        return;
      case 'ignored':
        metrics.addMetric('WebhookIgnored', MetricUnit.Count, 1);
        logger.info('Webhook ignored', { reason: outcome.reason, event_type: outcome.eventType });
        return;
      case 'rejected':
        metrics.addDimension('Reason', outcome.reason);
        metrics.addMetric('WebhookRejected', MetricUnit.Count, 1);
        logger.warn('Webhook rejected', {
          reason: outcome.reason,
          ...(outcome.issues ? { issue_paths: outcome.issues.map((issue) => issue.path) } : {}),
        });
    }
  }

  async function ingestWebhook(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    try {
      if (!requestDependencies) throw configurationError;
      const outcome = await receiveWebhook(toWebhookRequest(event), requestDependencies);
      recordOutcome(outcome);
      return outcomeResponse(outcome);
    } catch (error) {
      const reason = classifyFailure(error);
      metrics.addDimension('Reason', reason);
      metrics.addMetric('WebhookFailed', MetricUnit.Count, 1);
      logger.error('Webhook could not be processed', { reason, error });
      return failureResponse(reason);
    }
  }

  return middy(ingestWebhook)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics)) as unknown as IngestHandler;
}
