import { type MessageAttributeValue, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type DistributionKind, isSafeId, MESSAGE_ATTRIBUTE, messageAttribute } from '../shared/webhookContract.ts';
import { MessageTooLargeError, QueueUnavailableError } from './errors.ts';

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
  /**
   * Resolves once SQS has stored the message; rejects with MessageTooLargeError when the queue could
   * never store it, QueueUnavailableError when it cannot now.
   */
  enqueue(webhook: AcceptedWebhook): Promise<void>;
}

export interface SqsWebhookQueueOptions {
  readonly queueUrl: string;
  /** The queue's largest message, body and attributes as SQS counts them. */
  readonly maxMessageBytes: number;
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

/** A message's size as SQS counts it against its limit: the body, and each attribute's name, type and value, in UTF-8. */
export function sqsMessageBytes(body: string, attributes: Readonly<Record<string, MessageAttributeValue>>): number {
  let bytes = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
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
      const body = escapeCharactersSqsRefuses(webhook.body);
      if (sqsMessageBytes(body, attributes) > options.maxMessageBytes) {
        throw new MessageTooLargeError('The webhook is larger than the queue stores');
      }
      try {
        await client.send(
          new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: body, MessageAttributes: attributes }),
          // The SDK's own retries stay inside this bound, so Voucherify always gets an answer in time.
          { abortSignal: AbortSignal.timeout(options.timeoutMs) },
        );
      } catch (error) {
        throw new QueueUnavailableError('Could not enqueue the webhook', { cause: error });
      }
    },
  };
}
