/**
 * What Amazon SQS refuses in SendMessage, from its API reference, so that tests can hand the
 * ingest's real SQS adapter (sqsWebhookQueue) a client that answers as SQS would without a network:
 *
 * - the body may hold only #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF
 *   (SendMessage, MessageBody);
 * - a String attribute value "has the same restrictions on the content as the message body" and
 *   must not be empty (MessageAttributeValue);
 * - body plus every attribute's name, type and value count against the queue's
 *   MaximumMessageSize (MessageAttributeValue).
 *
 * fauxqs 2.4, the local SQS, checks the body's characters and the size but not attribute values,
 * and wrongly refuses characters above U+FFFF (an emoji) in a body, which SQS accepts.
 */
import type { SendMessageCommand, SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';

const SQS_ALLOWED_TEXT = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

/** Why SQS would refuse this message, or undefined when it would store it. */
export function sqsRefusalOf(input: SendMessageCommandInput, maxMessageBytes: number): string | undefined {
  const body = input.MessageBody ?? '';
  if (body.length === 0) return 'MissingParameter: the message body is empty';
  if (!SQS_ALLOWED_TEXT.test(body)) return 'InvalidMessageContents: the body holds characters SQS does not allow';
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    const text = value.StringValue ?? '';
    if (text.length === 0) return `InvalidParameterValue: attribute ${name} is empty`;
    if (!SQS_ALLOWED_TEXT.test(text)) return `InvalidParameterValue: attribute ${name} holds characters SQS does not allow`;
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(text);
  }
  if (size > maxMessageBytes) return `InvalidParameterValue: the message is ${size} bytes, over ${maxMessageBytes}`;
  return undefined;
}

/** An SQS client that stores what SQS would store and refuses the rest with SQS's error codes. */
export class SqsRulesClient {
  readonly stored: SendMessageCommandInput[] = [];
  readonly maxMessageBytes: number;

  constructor(maxMessageBytes: number) {
    this.maxMessageBytes = maxMessageBytes;
  }

  async send(command: SendMessageCommand): Promise<{ MessageId: string }> {
    const refusal = sqsRefusalOf(command.input, this.maxMessageBytes);
    if (refusal !== undefined) {
      const [code = 'InvalidParameterValue'] = refusal.split(':');
      throw Object.assign(new Error(refusal), { name: code, $fault: 'client' });
    }
    this.stored.push(command.input);
    return { MessageId: `message-${this.stored.length}` };
  }

  /** For `sqsWebhookQueue({ client })`, which needs only `send`. */
  asClient(): SQSClient {
    return this as unknown as SQSClient;
  }
}
