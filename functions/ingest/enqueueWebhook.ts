import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { classifyDistribution, distributionIdOf } from '../shared/webhookContract.ts';
import { WebhookRejectedError } from './errors.ts';
import { countByReason, jsonResponse } from './middleware/webhookErrorResponse.ts';
import type { ValidatedEvent } from './types.ts';
import type { WebhookQueue } from './webhookQueue.ts';

export type IgnoreReason = 'unhandled_event_type' | 'stale_event';

export interface EnqueueWebhookDependencies {
  readonly queue: WebhookQueue;
  /** Envelopes older than this are acknowledged and not acted on; 0 turns the replay guard off. */
  readonly maxEventAgeSeconds: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now?: () => number;
}

/**
 * The ingest's handler, behind the middleware chain that verified and validated the request: routes
 * on the event type (only `customer.segment.entered` is acted on; any other signed event is
 * acknowledged with 200 so Voucherify does not retry it), refuses replays older than the guard's
 * window, and puts the body, exactly as verified, on the queue. It answers 202 only once SQS has
 * stored the message, so no 2xx is ever lost.
 */
export function enqueueWebhook(dependencies: EnqueueWebhookDependencies) {
  const { queue, logger, metrics } = dependencies;
  const now = dependencies.now ?? Date.now;

  const ignored = (reason: IgnoreReason, id: string, eventType: string): APIGatewayProxyStructuredResultV2 => {
    countByReason(metrics, 'WebhookIgnored', reason);
    logger.info('Webhook ignored', { reason, event_type: eventType });
    return jsonResponse(200, { status: 'ignored', id, reason, event_type: eventType });
  };

  return async function routeAndEnqueue(event: ValidatedEvent): Promise<APIGatewayProxyStructuredResultV2> {
    const parsed = event.body;
    const envelope = parsed.outcome === 'segment_entered' ? parsed.webhook : parsed.envelope;
    const distributionId = parsed.outcome === 'segment_entered' ? distributionIdOf(parsed.webhook) : (envelope.source.id ?? undefined);
    // Every later line about this request, failures included, carries the send-out's ids.
    logger.appendKeys({ envelope_id: envelope.id, event_id: envelope.event.id, distribution_id: distributionId });

    if (parsed.outcome === 'other_event') return ignored('unhandled_event_type', envelope.id, envelope.event.type);
    if (dependencies.maxEventAgeSeconds > 0) {
      const createdAt = Date.parse(envelope.created_at);
      if (Number.isNaN(createdAt)) {
        throw new WebhookRejectedError('invalid_payload', [{ path: 'created_at', message: 'must be an ISO 8601 timestamp' }]);
      }
      if (now() - createdAt > dependencies.maxEventAgeSeconds * 1000) return ignored('stale_event', envelope.id, envelope.event.type);
    }

    const kind = classifyDistribution(parsed.webhook.data);
    await queue.enqueue({ body: event.rawBody, kind, envelopeId: envelope.id, eventId: envelope.event.id, distributionId });
    metrics.addDimension('Kind', kind);
    metrics.addMetric('WebhookAccepted', 'Count', 1);
    // DEBUG only: an accepted send-out is already on record in API Gateway's access log, this metric
    // and the worker's idempotency record, and a line per webhook would be most of the ingest's logs.
    logger.debug('Webhook accepted', { kind });
    return jsonResponse(202, { status: 'accepted', id: envelope.id });
  };
}
