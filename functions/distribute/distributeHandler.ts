import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createLogger, createMetrics } from '../shared/observability.ts';
import { publishMetrics } from '../shared/publishMetrics.ts';
import { type Environment, SERVICE_NAMES } from '../shared/settings.ts';
import { deferRecord } from './deferRecord.ts';
import { createDistributeDependencies, type DistributeWiring } from './distributeDependencies.ts';
import {
  type DistributeDependencies,
  distributeRecord,
  errorDetail,
  identityFromAttributes,
  needsRetry,
  type RecordOutcome,
} from './distributeRecord.ts';
import { errorName } from './errors.ts';
import { toQueuedWebhook } from './queuedWebhook.ts';

export interface DistributeHandlerOptions {
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Replaces the dependencies built from the environment (tests). */
  readonly dependencies?: DistributeDependencies;
  /** SDK clients for the dependencies built from the environment (tests, local runs). */
  readonly wiring?: DistributeWiring;
}

export type DistributeHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** Thrown for a record SQS must deliver again: Powertools' batch processor reports it in batchItemFailures. */
class RetryRecordError extends Error {
  override readonly name = 'RetryRecordError';
}

/** Log fields of a record: ids and outcome only, never contact details or message content. */
function logFields(outcome: RecordOutcome): Record<string, unknown> {
  const { identity } = outcome;
  const fields: Record<string, unknown> = {
    message_id: outcome.messageId,
    envelope_id: identity.envelopeId,
    event_id: identity.eventId,
    distribution_id: identity.distributionId,
    kind: identity.kind,
    outcome: outcome.outcome,
    ...(outcome.claimTakenOver ? { claim_taken_over: true } : {}),
  };
  switch (outcome.outcome) {
    case 'delivered':
      return { ...fields, channel: outcome.channel, template: outcome.templateKey, completion: outcome.completion };
    case 'skipped':
      return { ...fields, reason: outcome.reason };
    case 'deferred':
      return {
        ...fields,
        reason: outcome.reason,
        detail: outcome.detail,
        delay_seconds: outcome.delaySeconds,
        ...(outcome.retryAfterMs === undefined ? {} : { retry_after_ms: outcome.retryAfterMs }),
      };
    case 'transient_failure':
      return {
        ...fields,
        reason: outcome.reason,
        detail: outcome.detail,
        ...(outcome.error ? { stack: stackWithoutMessage(outcome.error) } : {}),
      };
    case 'permanent_failure':
      return {
        ...fields,
        reason: outcome.reason,
        detail: outcome.detail,
        dead_lettered: outcome.deadLettered,
        ...(outcome.deadLetterDetail ? { dead_letter_detail: outcome.deadLetterDetail } : {}),
      };
  }
}

/** An unexpected error's stack frames without its first line: the message might quote data. */
const stackWithoutMessage = (error: unknown): string | undefined =>
  error instanceof Error ? `${error.name}\n${(error.stack ?? '').split('\n').slice(1).join('\n')}` : undefined;

/**
 * The counts of one batch's outcomes, by metric and dimension, published after the batch as one
 * metric line each: a batch of ten deliveries is one line, not ten.
 */
class OutcomeCounts {
  readonly #counts = new Map<string, { metric: string; dimension?: readonly [string, string]; value: number }>();

  add(metric: string, dimension?: readonly [string, string]): void {
    const key = dimension ? `${metric}\u0000${dimension[0]}\u0000${dimension[1]}` : metric;
    const entry = this.#counts.get(key);
    if (entry) entry.value++;
    else this.#counts.set(key, { metric, ...(dimension ? { dimension } : {}), value: 1 });
  }

  publish(metrics: Metrics): void {
    for (const { metric, dimension, value } of this.#counts.values()) {
      const single = metrics.singleMetric();
      if (dimension) single.addDimension(...dimension);
      single.addMetric(metric, MetricUnit.Count, value);
    }
  }
}

/**
 * The distribute Lambda handler: the SQS event source mapping (with ReportBatchItemFailures) hands
 * it batches; Powertools' batch processor runs distributeRecord on every record concurrently (the
 * pacer lets each send start at its turn) and reports only the records to retry, so one record's
 * failure never sends its batch-mates again. Records whose turn would come too late for this
 * invocation, and records the provider throttled, go back on the queue (deferRecord).
 * Dependencies are built once per container; a configuration error is logged once and every record
 * is then reported as failed, so nothing is lost and the DLQ catches what a fix does not come in
 * time for.
 */
export function createDistributeHandler(env: Environment, options: DistributeHandlerOptions = {}): DistributeHandler {
  const logger = options.logger ?? createLogger(SERVICE_NAMES.distribute, env);
  const metrics = options.metrics ?? createMetrics(SERVICE_NAMES.distribute, env);

  let dependencies: DistributeDependencies | undefined = options.dependencies;
  if (!dependencies) {
    try {
      dependencies = createDistributeDependencies(env, {
        ...options.wiring,
        onStaleSecret: (error) => logger.warn('Serving a cached forwarding secret: Secrets Manager could not be read', { error }),
        onSendRateUnavailable: (error) =>
          logger.warn('SES GetAccount failed: sending at the fallback rate until it answers', { error: errorName(error) }),
      });
    } catch (error) {
      logger.error('The distribute function is misconfigured; every record will be retried', { error });
    }
  }

  function recordOutcome(outcome: RecordOutcome, counts: OutcomeCounts): void {
    const fields = logFields(outcome);
    // A claim left unfinished by an attempt that died: if that attempt had delivered, this is a second copy.
    if (outcome.claimTakenOver) counts.add('ClaimTakenOver');
    switch (outcome.outcome) {
      case 'delivered':
        counts.add('Delivered', ['Kind', String(outcome.identity.kind)]);
        if (outcome.completion !== 'completed') {
          counts.add('DeliveryNotRecorded', ['Reason', outcome.completion]);
          logger.error('Send-out delivered, but its idempotency record could not be completed', fields);
        } else if (outcome.claimTakenOver) {
          logger.warn(
            'Send-out delivered after taking over an abandoned claim; the attempt that abandoned it may have delivered it too',
            fields,
          );
        } else {
          logger.info('Send-out delivered', fields);
        }
        return;
      case 'skipped':
        counts.add('Skipped', ['Reason', outcome.reason]);
        logger.info('Send-out skipped', fields);
        return;
      case 'deferred':
        counts.add('Deferred', ['Reason', outcome.reason]);
        logger.info('Send-out put back on the queue to wait its turn', fields);
        return;
      case 'transient_failure':
        counts.add('TransientFailure', ['Reason', outcome.reason]);
        logger.warn('Send-out not delivered yet; it will be retried', fields);
        return;
      case 'permanent_failure':
        counts.add('PermanentFailure', ['Reason', outcome.reason]);
        if (outcome.deadLettered) {
          logger.error('Send-out failed permanently and was moved to the DLQ', fields);
        } else {
          counts.add('DeadLetterFailed');
          logger.error('Send-out failed permanently, and the DLQ refused it; it stays on the queue', fields);
        }
    }
  }

  async function distribute(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    const records = event.Records ?? [];
    metrics.addMetric('RecordsReceived', MetricUnit.Count, records.length);
    if (!dependencies) {
      metrics.addMetric('ConfigurationError', MetricUnit.Count, 1);
      logger.error('Misconfigured: every record of the batch is reported as failed', { records: records.length });
      return { batchItemFailures: records.map((record) => ({ itemIdentifier: record.messageId })) };
    }
    const ready = dependencies;
    const receivedAt = Date.now();
    let oldestQueuedAtMs = Number.POSITIVE_INFINITY;
    const counts = new OutcomeCounts();
    // The last moment a record may start and still finish before the function times out.
    const startBy = receivedAt + context.getRemainingTimeInMillis() - ready.recordBudgetMs;
    const handleRecord = async (record: SQSRecord): Promise<void> => {
      const webhook = toQueuedWebhook(record);
      oldestQueuedAtMs = Math.min(oldestQueuedAtMs, webhook.firstQueuedAtMs);
      let outcome: RecordOutcome;
      try {
        outcome = await distributeRecord(webhook, ready, startBy);
        if (outcome.outcome === 'deferred') outcome = await deferRecord(webhook, outcome, ready);
      } catch (error) {
        // A bug, contained to its record: retried like any transient failure, with its stack logged.
        outcome = {
          messageId: webhook.messageId,
          identity: identityFromAttributes(webhook),
          outcome: 'transient_failure',
          reason: 'unexpected_error',
          detail: errorDetail(error),
          error,
        };
      }
      recordOutcome(outcome, counts);
      if (needsRetry(outcome)) throw new RetryRecordError(outcome.outcome);
    };
    // A processor per batch: the local pipeline, like Lambda's managed instances, can run batches concurrently.
    const processor = new BatchProcessor(EventType.SQS);
    const response = await processPartialResponse(event, handleRecord, processor, { context, throwOnFullBatchFailure: false });
    counts.publish(metrics);
    // Each deferral is a new message, so the queue's own age metric restarts with it; the age of
    // the send-out itself is what tells an operator a backlog will outlive the maximum age.
    if (Number.isFinite(oldestQueuedAtMs)) {
      const ageSeconds = Math.max(0, Math.round((receivedAt - oldestQueuedAtMs) / 1000));
      metrics.addMetric('OldestSendOutAgeSeconds', MetricUnit.Seconds, ageSeconds);
    }
    return response;
  }

  return (
    middy(distribute)
      .use(publishMetrics(metrics))
      // logEvent false overrides POWERTOOLS_LOGGER_LOG_EVENT: the event's bodies hold customers'
      // contact details, which must not be logged even when someone turns event logging on to debug.
      .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false })) as unknown as DistributeHandler
  );
}
