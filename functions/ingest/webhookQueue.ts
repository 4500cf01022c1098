import { type MessageAttributeValue, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type DistributionKind, isSafeId, MESSAGE_ATTRIBUTE, messageAttribute } from '../shared/webhookContract.ts';
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

/** Characters JSON allows in strings but SQS refuses in a message body. */
const CHARACTERS_SQS_REFUSES = /[\uFFFE\uFFFF]/g;

/**
 * The JSON body with the two noncharacters SQS refuses (U+FFFE, U+FFFF) written as \u escapes. In
 * valid JSON they can only occur inside strings (the body was parsed before it gets here), where
 * the escape means the same character, so the worker parses exactly the same document. Every other
 * character a valid, well-formed JSON text can hold raw is one SQS accepts; the body is otherwise
 * sent exactly as verified.
 */
export function escapeCharactersSqsRefuses(json: string): string {
  // With nothing to replace, replace() returns the same string without copying it.
  return json.replace(CHARACTERS_SQS_REFUSES, (character) => `\\u${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function sqsWebhookQueue(options: SqsWebhookQueueOptions): WebhookQueue {
  const client = options.client ?? createBoundedSqsClient();
  return {
    async enqueue(webhook) {
      const attributes: Record<string, MessageAttributeValue> = {
        [MESSAGE_ATTRIBUTE.envelopeId]: messageAttribute(webhook.envelopeId),
        [MESSAGE_ATTRIBUTE.eventId]: messageAttribute(webhook.eventId),
        [MESSAGE_ATTRIBUTE.distributionKind]: messageAttribute(webhook.kind),
      };
      // Optional and only for correlation: an id SQS would refuse is left out rather than failing the send.
      if (webhook.distributionId && isSafeId(webhook.distributionId)) {
        attributes[MESSAGE_ATTRIBUTE.distributionId] = messageAttribute(webhook.distributionId);
      }
      try {
        await client.send(
          new SendMessageCommand({
            QueueUrl: options.queueUrl,
            MessageBody: escapeCharactersSqsRefuses(webhook.body),
            MessageAttributes: attributes,
          }),
          // The SDK's own retries stay inside this bound, so Voucherify always gets an answer in time.
          { abortSignal: AbortSignal.timeout(options.timeoutMs) },
        );
      } catch (error) {
        throw new QueueUnavailableError('Could not enqueue the webhook', { cause: error });
      }
    },
  };
}
