import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { MESSAGE_ATTRIBUTE } from '../shared/webhookContract.ts';

/** A message from the webhook queue, independent of Lambda's event shape. */
export interface QueuedWebhook {
  /** SQS message id: how a failed record is reported in batchItemFailures. */
  readonly messageId: string;
  readonly body: string;
  /** As set by the ingest (see MESSAGE_ATTRIBUTE), in SendMessage form so the DLQ copy keeps them. */
  readonly attributes: Readonly<Record<string, MessageAttributeValue>>;
  /** When the send-out was first queued (epoch ms): kept across deferrals, so its age is the age of the wait. */
  readonly firstQueuedAtMs: number;
  /** How many times the send-out was put back to wait its turn. */
  readonly deferrals: number;
}

/** Lambda delivers attributes in lower camel case with binary values in base64; SendMessage wants them back. */
export function toQueuedWebhook(record: SQSRecord): QueuedWebhook {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (value.stringValue !== undefined) {
      attributes[name] = { DataType: value.dataType, StringValue: value.stringValue };
    } else if (value.binaryValue !== undefined) {
      attributes[name] = { DataType: value.dataType, BinaryValue: Buffer.from(value.binaryValue, 'base64') };
    }
  }
  const queuedAt = (attributes[MESSAGE_ATTRIBUTE.firstQueuedAt]?.StringValue ?? record.attributes?.SentTimestamp) || undefined;
  const firstQueuedAtMs = Number(queuedAt);
  const deferrals = Number(attributes[MESSAGE_ATTRIBUTE.deferrals]?.StringValue ?? 0);
  return {
    messageId: record.messageId,
    body: record.body,
    attributes,
    firstQueuedAtMs: Number.isFinite(firstQueuedAtMs) ? firstQueuedAtMs : Date.now(),
    deferrals: Number.isInteger(deferrals) && deferrals >= 0 ? deferrals : 0,
  };
}

/** A string attribute, or undefined when absent: used to identify records whose body cannot be read. */
export const attributeText = (webhook: QueuedWebhook, name: string): string | undefined => webhook.attributes[name]?.StringValue;
