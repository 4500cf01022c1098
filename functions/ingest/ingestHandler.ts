import { type Logger, LogLevelThreshold } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Environment } from '../shared/env.ts';
import type { MetricCounters } from '../shared/metricCounters.ts';
import { createLogger, createLogThrottle, createMetricCounters } from '../shared/observability.ts';
import { publishMetrics } from '../shared/publishMetrics.ts';
import { createIngestDependencies } from './ingestDependencies.ts';
import {
  type ReceiveWebhookDependencies,
  receiveWebhook,
  type WebhookIdentity,
  type WebhookOutcome,
  type WebhookRequest,
} from './receiveWebhook.ts';
import { classifyFailure, failureResponse, outcomeResponse } from './webhookResponse.ts';

export const INGEST_SERVICE_NAME = 'voucherify-webhook-ingest';

/** At most one log line per rejection reason per window; the rest are counted (see createLogThrottle). */
const REJECTION_LOG_WINDOW_MS = 10_000;

export interface IngestHandlerOptions {
  readonly logger?: Logger;
  readonly metrics?: MetricCounters;
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

const identityAttributes = (identity: WebhookIdentity | undefined) =>
  identity
    ? { envelope_id: identity.envelopeId, event_id: identity.eventId, distribution_id: identity.distributionId }
    : {};

/**
 * The ingest Lambda handler: plain functions (receiveWebhook, webhookResponse) wired to API
 * Gateway, logs and metrics. Dependencies are built once per container; a configuration error is
 * logged once and then answered as a 500 on every request, never a 2xx.
 *
 * Log lines carry the Lambda context and the send-out's ids, added when a line is written rather
 * than on every invocation (Powertools' injectLambdaContext): most forged requests write no line
 * at all, and the ids are passed per line, so nothing can leak from one request into the next.
 */
export function createIngestHandler(env: Environment, options: IngestHandlerOptions = {}): IngestHandler {
  const logger = options.logger ?? createLogger(INGEST_SERVICE_NAME, env);
  const metrics = options.metrics ?? createMetricCounters(INGEST_SERVICE_NAME, env);
  const throttleRejectionLogs = createLogThrottle(REJECTION_LOG_WINDOW_MS);
  // Decided once: the level is fixed when the logger is built (no per-invocation sampling here),
  // and Powertools reads the environment each time its level is asked for.
  const logsAcceptedWebhooks = logger.level <= LogLevelThreshold.DEBUG;

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

  function recordOutcome(outcome: WebhookOutcome, context: Context): void {
    switch (outcome.outcome) {
      case 'accepted':
        metrics.count('WebhookAccepted', { Kind: outcome.kind });
        // DEBUG, not INFO: an accepted send-out is already on record three times (API Gateway's
        // access log line, the WebhookAccepted metric, the worker's "Send-out delivered" line with
        // the same ids), and one more line per webhook was the largest cost of a 202 after SQS
        // itself: 4-9 % of a 202 in the benchmarks (BENCHMARKS.md), and a third more log volume for
        // the pipeline to pay for.
        if (!logsAcceptedWebhooks) return;
        logger.addContext(context);
        logger.debug('Webhook accepted', { ...identityAttributes(outcome), kind: outcome.kind });
        return;
      case 'ignored':
        metrics.count('WebhookIgnored', { Reason: outcome.reason });
        logger.addContext(context);
        logger.info('Webhook ignored', { ...identityAttributes(outcome), reason: outcome.reason, event_type: outcome.eventType });
        return;
      case 'rejected': {
        metrics.count('WebhookRejected', { Reason: outcome.reason });
        const suppressed = throttleRejectionLogs(outcome.reason);
        if (suppressed === undefined) return;
        logger.addContext(context);
        logger.warn('Webhook rejected', {
          reason: outcome.reason,
          ...(outcome.issues ? { issue_paths: outcome.issues.map((issue) => issue.path) } : {}),
          ...(suppressed > 0 ? { similar_rejections_not_logged: suppressed } : {}),
        });
      }
    }
  }

  async function ingestWebhook(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
    let identity: WebhookIdentity | undefined;
    try {
      if (!dependencies) throw configurationError;
      const outcome = await receiveWebhook(toWebhookRequest(event), {
        ...dependencies,
        onIdentified: (known) => (identity = known),
      });
      recordOutcome(outcome, context);
      return outcomeResponse(outcome);
    } catch (error) {
      const reason = classifyFailure(error);
      metrics.count('WebhookFailed', { Reason: reason });
      logger.addContext(context);
      logger.error('Webhook could not be processed', { ...identityAttributes(identity), reason, error });
      return failureResponse(reason);
    }
  }

  // No Middy early-timeout timer: the enqueue has its own deadline (ENQUEUE_TIMEOUT_MS), well
  // inside the function timeout, and a per-request timer costs more than refusing a forged request.
  return middy(ingestWebhook, { timeoutEarlyInMillis: 0 }).use(publishMetrics(metrics)) as unknown as IngestHandler;
}
