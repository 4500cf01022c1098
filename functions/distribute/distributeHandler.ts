import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Environment } from '../shared/env.ts';
import type { MetricCounters } from '../shared/metricCounters.ts';
import { createLogger, createMetricCounters } from '../shared/observability.ts';
import { publishMetrics } from '../shared/publishMetrics.ts';
import { distributeBatch } from './distributeBatch.ts';
import { createDistributeDependencies, type DistributeWiring } from './distributeDependencies.ts';
import type { DistributeDependencies, RecordOutcome } from './distributeRecord.ts';
import { toQueuedWebhook } from './queuedWebhook.ts';

export const DISTRIBUTE_SERVICE_NAME = 'voucherify-webhook-distribute';

export interface DistributeHandlerOptions {
  readonly logger?: Logger;
  readonly metrics?: MetricCounters;
  /** Replaces the dependencies built from the environment (tests). */
  readonly dependencies?: DistributeDependencies;
  /** SDK clients for the dependencies built from the environment (tests, local runs). */
  readonly wiring?: DistributeWiring;
}

export type DistributeHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

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
    case 'transient_failure':
      return { ...fields, reason: outcome.reason, detail: outcome.detail, ...(outcome.error ? { stack: stackWithoutMessage(outcome.error) } : {}) };
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
 * The distribute Lambda handler: the SQS event source mapping (with ReportBatchItemFailures)
 * hands it batches; distributeBatch decides each record; this wires that to Lambda, logs and
 * metrics. Dependencies are built once per container; a configuration error is logged once and
 * every record is then reported as failed, so nothing is lost and the DLQ catches what a fix
 * does not come in time for.
 */
export function createDistributeHandler(env: Environment, options: DistributeHandlerOptions = {}): DistributeHandler {
  const logger = options.logger ?? createLogger(DISTRIBUTE_SERVICE_NAME, env);
  // Published after every batch (interval 0): a batch already amortises the line, and the worker's
  // outcomes feed alarms that should not wait for the container's next invocation.
  const metrics = options.metrics ?? createMetricCounters(DISTRIBUTE_SERVICE_NAME, env, { flushIntervalMs: 0 });

  let dependencies: DistributeDependencies | undefined = options.dependencies;
  if (!dependencies) {
    try {
      dependencies = createDistributeDependencies(env, {
        ...options.wiring,
        onStaleSecret: (error) => logger.warn('Serving a cached forwarding secret: Secrets Manager could not be read', { error }),
      });
    } catch (error) {
      logger.error('The distribute function is misconfigured; every record will be retried', { error });
    }
  }

  /** Counted per dimension value and published as one EMF line per dimension set after the batch. */
  function count(name: string, dimension?: { name: string; value: string }): void {
    metrics.count(name, dimension ? { [dimension.name]: dimension.value } : {});
  }

  function recordOutcome(outcome: RecordOutcome): void {
    const fields = logFields(outcome);
    // A claim left unfinished by an attempt that died: if that attempt had delivered, this is a second copy.
    if (outcome.claimTakenOver) count('ClaimTakenOver');
    switch (outcome.outcome) {
      case 'delivered':
        count('Delivered', { name: 'Kind', value: String(outcome.identity.kind) });
        if (outcome.completion === 'completed') {
          if (outcome.claimTakenOver) {
            logger.warn('Send-out delivered after taking over an abandoned claim; the attempt that abandoned it may have delivered it too', fields);
          } else logger.info('Send-out delivered', fields);
        } else {
          count('DeliveryNotRecorded', { name: 'Reason', value: outcome.completion });
          logger.error('Send-out delivered, but its idempotency record could not be completed', fields);
        }
        return;
      case 'skipped':
        count('Skipped', { name: 'Reason', value: outcome.reason });
        logger.info('Send-out skipped', fields);
        return;
      case 'transient_failure':
        count('TransientFailure', { name: 'Reason', value: outcome.reason });
        logger.warn('Send-out not delivered yet; it will be retried', fields);
        return;
      case 'permanent_failure':
        count('PermanentFailure', { name: 'Reason', value: outcome.reason });
        if (outcome.deadLettered) logger.error('Send-out failed permanently and was moved to the DLQ', fields);
        else {
          count('DeadLetterFailed');
          logger.error('Send-out failed permanently, and the DLQ refused it; it stays on the queue', fields);
        }
    }
  }

  async function distribute(event: SQSEvent): Promise<SQSBatchResponse> {
    const records = event.Records ?? [];
    metrics.count('RecordsReceived', {}, records.length);
    if (!dependencies) {
      metrics.count('ConfigurationError');
      logger.error('Misconfigured: every record of the batch is reported as failed', { records: records.length });
      return { batchItemFailures: records.map((record) => ({ itemIdentifier: record.messageId })) };
    }
    const { batchItemFailures, outcomes } = await distributeBatch(records.map(toQueuedWebhook), dependencies);
    for (const outcome of outcomes) recordOutcome(outcome);
    return { batchItemFailures };
  }

  return middy(distribute)
    // logEvent false overrides POWERTOOLS_LOGGER_LOG_EVENT: the event's bodies hold customers'
    // contact details, which must not be logged even when someone turns event logging on to debug.
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(publishMetrics(metrics)) as unknown as DistributeHandler;
}
