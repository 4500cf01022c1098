/**
 * Ingest Lambda: API Gateway HTTP API (payload 2.0), route POST /webhooks/voucherify.
 * Verifies, validates and enqueues one Voucherify webhook, then answers; the work is done by the
 * distribute function. This file only wires plain functions to Lambda, logs and metrics.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createLogger, createMetrics } from '../shared/observability.ts';
import { createIngestDependencies } from './ingestDependencies.ts';
import { type ReceiveWebhookDependencies, receiveWebhook, type WebhookOutcome, type WebhookRequest } from './receiveWebhook.ts';
import { classifyFailure, failureResponse, outcomeResponse } from './webhookResponse.ts';

const SERVICE_NAME = 'voucherify-webhook-ingest';
export const logger = createLogger(SERVICE_NAME);
const metrics = createMetrics(SERVICE_NAME);

/** Built once per container. A configuration error is kept and answered as a 500 on every request. */
const dependencies: ReceiveWebhookDependencies | { readonly error: unknown } = (() => {
  try {
    return createIngestDependencies(process.env, {
      onStaleSecret: (error) => logger.warn('Serving a cached signing secret: Secrets Manager could not be read', { error }),
    });
  } catch (error) {
    logger.error('The ingest function is misconfigured; every request will be refused', { error });
    return { error };
  }
})();

/** API Gateway lower-cases header names in payload 2.0; other callers (tests, tools) may not. */
function readHeader(headers: APIGatewayProxyEventV2['headers'] | undefined, name: string): string | undefined {
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
    if ('error' in dependencies) throw dependencies.error;
    const outcome = await receiveWebhook(toWebhookRequest(event), {
      ...dependencies,
      onIdentified: (identity) =>
        logger.appendKeys({
          envelope_id: identity.envelopeId,
          event_id: identity.eventId,
          distribution_id: identity.distributionId,
        }),
    });
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

export const handler = middy(ingestWebhook)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
