import { GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { MESSAGE_ATTRIBUTE, messageAttribute } from '../shared/webhookContract.ts';
import { errorName, TransientDeliveryError } from './errors.ts';
import type { QueuedWebhook } from './queuedWebhook.ts';

/**
 * Where a record that must wait its turn goes: back on the webhook queue as a new message with a
 * delay. A new message starts with a receive count of zero, so waiting for the provider never
 * counts towards the redrive policy that moves failing records to the DLQ. (Making the same message
 * invisible for longer would count every wait as a failed receive.)
 */
export interface DeferralQueue {
  /** Rejects with TransientDeliveryError when SQS does not take it; the record is then retried as a failure. */
  defer(webhook: QueuedWebhook, delaySeconds: number): Promise<void>;
  /** Messages waiting on the queue (ApproximateNumberOfMessages), read at most every few seconds; undefined when SQS cannot say. */
  backlog(): Promise<number | undefined>;
}

/** SQS's longest message delay. */
export const MAX_DELAY_SECONDS = 900;
const BACKLOG_CACHE_MS = 5000;

export function sqsDeferralQueue(options: {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly timeoutMs: number;
  readonly now?: () => number;
}): DeferralQueue {
  const now = options.now ?? Date.now;
  let backlog: { value: Promise<number | undefined>; readAt: number } | undefined;
  return {
    async defer(webhook, delaySeconds) {
      try {
        await options.client.send(
          new SendMessageCommand({
            QueueUrl: options.queueUrl,
            MessageBody: webhook.body,
            DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.round(delaySeconds))),
            MessageAttributes: {
              ...webhook.attributes,
              [MESSAGE_ATTRIBUTE.firstQueuedAt]: messageAttribute(String(webhook.firstQueuedAtMs)),
              [MESSAGE_ATTRIBUTE.deferrals]: messageAttribute(String(webhook.deferrals + 1)),
            },
          }),
          { abortSignal: AbortSignal.timeout(options.timeoutMs) },
        );
      } catch (error) {
        throw new TransientDeliveryError('Could not put the record back on the queue', `sqs:${errorName(error)}`, { cause: error });
      }
    },
    backlog() {
      if (backlog && now() - backlog.readAt < BACKLOG_CACHE_MS) return backlog.value;
      const value = options.client
        .send(new GetQueueAttributesCommand({ QueueUrl: options.queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }), {
          abortSignal: AbortSignal.timeout(options.timeoutMs),
        })
        .then((answer) => {
          const count = Number(answer.Attributes?.ApproximateNumberOfMessages);
          return Number.isFinite(count) ? count : undefined;
        })
        .catch(() => undefined);
      backlog = { value, readAt: now() };
      return value;
    },
  };
}

/** What decides how long a record waits before it is tried again. */
export interface DeferralDelayInputs {
  /** Messages waiting on the queue ahead of it. */
  readonly backlog: number | undefined;
  /** The provider's rate across every worker, when known. */
  readonly totalRate: number | undefined;
  /** How long the provider asked us to wait. */
  readonly retryAfterMs: number | undefined;
  /** How many times this send-out has been deferred already. */
  readonly deferrals: number;
  /** In [0, 1): spreads records deferred together so they do not come back together. */
  readonly random: number;
}

/**
 * About the time the queue ahead of the record takes to drain at the provider's rate, so it comes
 * back when its turn is near rather than spinning; never less than the provider asked for, and
 * growing with each deferral when neither the backlog nor the rate is known.
 */
export function deferralDelaySeconds(inputs: DeferralDelayInputs): number {
  const drainSeconds = inputs.backlog !== undefined && inputs.totalRate ? inputs.backlog / inputs.totalRate : 0;
  const backoffSeconds = 2 ** Math.min(inputs.deferrals, 10);
  const retryAfterSeconds = (inputs.retryAfterMs ?? 0) / 1000;
  const base = Math.max(drainSeconds, backoffSeconds, retryAfterSeconds);
  const jittered = Math.max(retryAfterSeconds, base * (0.8 + 0.4 * inputs.random));
  return Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.ceil(jittered)));
}
