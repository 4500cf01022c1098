import { type DeferralDelayInputs, deferralDelaySeconds } from './deferralQueue.ts';
import { type DistributeDependencies, deadLetter, errorDetail, type RecordOutcome } from './distributeRecord.ts';
import type { QueuedWebhook } from './queuedWebhook.ts';

export type DeferredOutcome = Extract<RecordOutcome, { outcome: 'deferred' }>;

/**
 * Puts a record that must wait its turn back on the queue, delayed by about the time the backlog
 * ahead of it takes to drain (deferralDelaySeconds). A send-out that would by then have waited
 * longer than the maximum age goes to the DLQ as `max_age_exceeded` instead: news of a promotion
 * that arrives days late is worse than none, and an operator can still redrive it. If SQS does not
 * take it back, the record is reported as failed and comes back after the visibility timeout.
 */
export async function deferRecord(
  webhook: QueuedWebhook,
  outcome: DeferredOutcome,
  dependencies: Pick<DistributeDependencies, 'deferrals' | 'deadLetters' | 'pacer' | 'maxSendOutAgeMs'>,
  clock: { readonly now: () => number; readonly random: () => number } = { now: Date.now, random: Math.random },
): Promise<RecordOutcome> {
  const [backlog, totalRate] = await Promise.all([dependencies.deferrals.backlog(), dependencies.pacer.totalRate()]);
  const inputs: DeferralDelayInputs = {
    backlog,
    totalRate,
    retryAfterMs: outcome.retryAfterMs,
    deferrals: webhook.deferrals,
    random: clock.random(),
  };
  const delaySeconds = deferralDelaySeconds(inputs);
  const waitedMs = clock.now() - webhook.firstQueuedAtMs;
  if (waitedMs + delaySeconds * 1000 > dependencies.maxSendOutAgeMs) {
    const minutes = Math.round(waitedMs / 60_000);
    return deadLetter(webhook, outcome.identity, 'max_age_exceeded', `waited ${minutes} min; last: ${outcome.detail}`, dependencies);
  }
  try {
    await dependencies.deferrals.defer(webhook, delaySeconds);
  } catch (error) {
    return {
      messageId: outcome.messageId,
      identity: outcome.identity,
      outcome: 'transient_failure',
      reason: 'requeue_failed',
      detail: errorDetail(error),
    };
  }
  return { ...outcome, delaySeconds };
}
