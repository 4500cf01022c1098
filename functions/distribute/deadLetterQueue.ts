import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { MESSAGE_ATTRIBUTE, messageAttribute } from '../shared/webhookContract.ts';
import { DeadLetterQueueError, errorName } from './errors.ts';
import type { QueuedWebhook } from './queuedWebhook.ts';

/** Why a record was given up on; the reason is an attribute operators filter the DLQ by. */
export interface DeadLetter {
  readonly reason: string;
  /** Short and contact-free: issue paths, an error name, a status. */
  readonly detail: string;
}

export interface DeadLetterQueue {
  /** Rejects with DeadLetterQueueError when SQS does not take the message. */
  send(webhook: QueuedWebhook, deadLetter: DeadLetter): Promise<void>;
}

// SQS attribute values may be up to 256 KB; a detail is a hint for an operator, not a report.
const MAX_DETAIL_LENGTH = 500;

// Characters SQS accepts in a message (and attribute values); a detail built from a hostile body's
// paths must not make the DLQ refuse the record.
const NOT_ALLOWED_IN_SQS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const attributeSafe = (detail: string): string => detail.slice(0, MAX_DETAIL_LENGTH).replace(NOT_ALLOWED_IN_SQS, '\uFFFD') || '-';

/** A redrive from the DLQ is a fresh start: its wait is counted again from then. */
function withoutDeferral(attributes: QueuedWebhook['attributes']): QueuedWebhook['attributes'] {
  const { [MESSAGE_ATTRIBUTE.firstQueuedAt]: _firstQueuedAt, [MESSAGE_ATTRIBUTE.deferrals]: _deferrals, ...rest } = attributes;
  return rest;
}

/**
 * Moves a permanently failed record to the DLQ at once, without burning retries: the original body
 * and attributes, plus FailureReason and FailureDetail, so a redrive after a fix replays it as is.
 */
export function sqsDeadLetterQueue(options: {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly timeoutMs: number;
}): DeadLetterQueue {
  return {
    async send(webhook, deadLetter) {
      try {
        await options.client.send(
          new SendMessageCommand({
            QueueUrl: options.queueUrl,
            MessageBody: webhook.body,
            MessageAttributes: {
              ...withoutDeferral(webhook.attributes),
              [MESSAGE_ATTRIBUTE.failureReason]: messageAttribute(deadLetter.reason),
              [MESSAGE_ATTRIBUTE.failureDetail]: messageAttribute(attributeSafe(deadLetter.detail)),
            },
          }),
          { abortSignal: AbortSignal.timeout(options.timeoutMs) },
        );
      } catch (error) {
        throw new DeadLetterQueueError('Could not move the record to the dead-letter queue', `sqs:${errorName(error)}`, { cause: error });
      }
    },
  };
}
