import { type MessageAttributeValue, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type DistributionKind, isSafeId, MESSAGE_ATTRIBUTE, stringAttribute } from '../shared/webhookContract.ts';
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

/**
 * The deadline of one SendMessage, retries included, in the form the SDK's HTTP handler takes as
 * `abortSignal`: `aborted`, `reason` and an `onabort` callback, the minimal signal interface
 * @smithy/types declares next to the platform's AbortSignal (node-http-handler sets `onabort` when
 * the signal has no `addEventListener`). Not an AbortController: the SDK adds and removes a
 * listener on a platform AbortSignal for every request, Node's EventTarget machinery, which cost
 * more than the rest of the deadline together (A/Bs here put it at 1-3 % of a whole 202, close to
 * this machine's noise; BENCHMARKS.md); and not AbortSignal.timeout, which also leaves its timer
 * pending for the whole timeout. It aborts with the reason AbortSignal.timeout would. A test with a
 * stalled queue (test/ingest.webhookQueue.test.ts) proves the SDK still honours it.
 */
class EnqueueDeadline {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((this: unknown) => void) | null = null;
  readonly #timer: NodeJS.Timeout;

  constructor(timeoutMs: number) {
    this.#timer = setTimeout(() => {
      this.aborted = true;
      this.reason = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      this.onabort?.();
    }, timeoutMs);
    // A pending deadline must not keep a process (a test, the local stack) alive.
    this.#timer.unref();
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}

export function sqsWebhookQueue(options: SqsWebhookQueueOptions): WebhookQueue {
  const client = options.client ?? createBoundedSqsClient();
  return {
    async enqueue(webhook) {
      const attributes: Record<string, MessageAttributeValue> = {
        [MESSAGE_ATTRIBUTE.envelopeId]: stringAttribute(webhook.envelopeId),
        [MESSAGE_ATTRIBUTE.eventId]: stringAttribute(webhook.eventId),
        [MESSAGE_ATTRIBUTE.distributionKind]: stringAttribute(webhook.kind),
      };
      // Optional and only for correlation: an id SQS would refuse is left out rather than failing the send.
      if (webhook.distributionId && isSafeId(webhook.distributionId)) {
        attributes[MESSAGE_ATTRIBUTE.distributionId] = stringAttribute(webhook.distributionId);
      }
      const deadline = new EnqueueDeadline(options.timeoutMs);
      try {
        await client.send(
          new SendMessageCommand({
            QueueUrl: options.queueUrl,
            MessageBody: escapeCharactersSqsRefuses(webhook.body),
            MessageAttributes: attributes,
          }),
          { abortSignal: deadline },
        );
      } catch (error) {
        throw new QueueUnavailableError('Could not enqueue the webhook', { cause: error });
      } finally {
        deadline.clear();
      }
    },
  };
}
