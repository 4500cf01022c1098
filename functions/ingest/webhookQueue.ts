import { type MessageAttributeValue, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type DistributionKind, MESSAGE_ATTRIBUTE } from '../shared/webhookContract.ts';
import { QueueUnavailableError } from './errors.ts';

/** A verified, validated send-out on its way to the distribute function. */
export interface AcceptedWebhook {
  /** The body exactly as verified; the worker parses it again with the same contract. */
  readonly body: string;
  readonly envelopeId: string;
  readonly eventId: string;
  readonly kind: DistributionKind;
  readonly distributionId: string | undefined;
}

export interface WebhookQueue {
  /** Resolves once SQS has stored the message; rejects with QueueUnavailableError otherwise. */
  enqueue(webhook: AcceptedWebhook): Promise<void>;
}

export interface SqsWebhookQueueOptions {
  readonly queueUrl: string;
  /** Upper bound on the whole send, retries included. */
  readonly timeoutMs: number;
  readonly client?: SQSClient;
}

/**
 * SQS client settings for a caller that must answer within seconds: a dead endpoint fails fast and
 * a slow one is retried, but never past the caller's overall deadline.
 */
export const createBoundedSqsClient = (): SQSClient =>
  new SQSClient({
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 2500 },
  });

const stringAttribute = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

export function sqsWebhookQueue(options: SqsWebhookQueueOptions): WebhookQueue {
  const client = options.client ?? createBoundedSqsClient();
  return {
    async enqueue(webhook) {
      const attributes: Record<string, MessageAttributeValue> = {
        [MESSAGE_ATTRIBUTE.envelopeId]: stringAttribute(webhook.envelopeId),
        [MESSAGE_ATTRIBUTE.eventId]: stringAttribute(webhook.eventId),
        [MESSAGE_ATTRIBUTE.distributionKind]: stringAttribute(webhook.kind),
      };
      if (webhook.distributionId) {
        attributes[MESSAGE_ATTRIBUTE.distributionId] = stringAttribute(webhook.distributionId);
      }
      try {
        await client.send(
          new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: webhook.body, MessageAttributes: attributes }),
          { abortSignal: AbortSignal.timeout(options.timeoutMs) },
        );
      } catch (error) {
        throw new QueueUnavailableError('Could not enqueue the webhook', { cause: error });
      }
    },
  };
}
