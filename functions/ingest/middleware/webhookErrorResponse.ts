import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ConfigurationError } from '../../shared/settings.ts';
import {
  MessageTooLargeError,
  QueueUnavailableError,
  type RejectionReason,
  SecretNotConfiguredError,
  SecretUnavailableError,
  WebhookRejectedError,
} from '../errors.ts';

export type FailureReason = 'server_misconfigured' | 'unavailable' | 'internal_error';

const FAILURE_STATUS: Readonly<Record<FailureReason, number>> = {
  // Fail closed: a deployment without a usable secret or configuration must never answer 2xx.
  server_misconfigured: 500,
  // Transient: Voucherify retries a non-2xx, so nothing it sent is lost.
  unavailable: 503,
  internal_error: 500,
};

export const jsonResponse = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Which failure an error is; its message and cause stay in the logs, never in the response. */
export function classifyFailure(error: unknown): FailureReason {
  if (error instanceof SecretNotConfiguredError || error instanceof ConfigurationError) return 'server_misconfigured';
  if (error instanceof SecretUnavailableError || error instanceof QueueUnavailableError) return 'unavailable';
  return 'internal_error';
}

/**
 * What a request is refused as: ours (WebhookRejectedError), a body the queue could never store, or
 * the error Middy's JSON body parser throws for a body it cannot parse (422, which our contract
 * answers 400).
 */
function rejectionOf(error: unknown): WebhookRejectedError | undefined {
  if (error instanceof WebhookRejectedError) return error;
  if (error instanceof MessageTooLargeError) return new WebhookRejectedError('payload_too_large', undefined, { cause: error });
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  if (status === 422) return new WebhookRejectedError('malformed_json', undefined, { cause: error });
  if (status === 415) return new WebhookRejectedError('unsupported_media_type', undefined, { cause: error });
  return undefined;
}

/**
 * Answers every error with the status contract of README.md: a refused request with its reason's
 * status and `{"error": reason}` (plus the issues of an invalid payload), a failure of a dependency
 * with 503 (Voucherify retries) or 500. Counts each in metrics (WebhookRejected, WebhookFailed, by
 * Reason) and logs it, without the body, the signature or any contact detail.
 */
export const webhookErrorResponse = (options: {
  readonly logger: Logger;
  readonly metrics: Metrics;
}): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> => ({
  onError: function answerWithStatusContract(request) {
    const { logger, metrics } = options;
    const rejection = rejectionOf(request.error);
    if (rejection) {
      countByReason(metrics, 'WebhookRejected', rejection.reason);
      logger.warn('Webhook rejected', {
        reason: rejection.reason,
        ...(rejection.issues ? { issue_paths: rejection.issues.map((issue) => issue.path) } : {}),
      });
      request.response = jsonResponse(rejection.statusCode, {
        error: rejection.reason,
        ...(rejection.issues ? { issues: rejection.issues } : {}),
      });
      return;
    }
    const reason = classifyFailure(request.error);
    countByReason(metrics, 'WebhookFailed', reason);
    logger.error('Webhook could not be processed', { reason, error: request.error });
    request.response = jsonResponse(FAILURE_STATUS[reason], { error: reason });
  },
});

export function countByReason(metrics: Metrics, metric: string, reason: RejectionReason | FailureReason | string): void {
  metrics.addDimension('Reason', reason);
  metrics.addMetric(metric, MetricUnit.Count, 1);
}
