/**
 * Deterministic rounds of Lambda's SQS event source mapping, for integration tests of the worker
 * against fauxqs: receive a batch (with attributes, as the mapping does), hand it to the handler as
 * a real SQS event, delete what succeeded, and make what failed visible again at once, standing in
 * for the visibility timeout running out (no sleeping). local/queuePoller.ts does the same
 * continuously for the local stack; tests want one step at a time.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { sqsWebhookQueue } from '../../functions/ingest/webhookQueue.ts';
import { classifyDistribution, distributionIdOf } from '../../functions/shared/webhookContract.ts';
import { lambdaContext, localQueueArn, sqsEventFromMessages } from '../../local/lambdaEvents.ts';
import { parsedSendOut } from './segmentEnteredWebhooks.ts';

export type BatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface QueueRef {
  readonly client: SQSClient;
  readonly url: string;
  readonly name: string;
}

/** Enqueues a valid send-out exactly as the ingest does: the ingest's own queue code and attributes. */
export async function enqueueSendOut(queue: QueueRef, body: string): Promise<void> {
  const webhook = parsedSendOut(body);
  await sqsWebhookQueue({ queueUrl: queue.url, timeoutMs: 5000, maxMessageBytes: 1024 * 1024, client: queue.client }).enqueue({
    body,
    envelopeId: webhook.id,
    eventId: webhook.event.id,
    kind: classifyDistribution(webhook.data),
    distributionId: distributionIdOf(webhook),
  });
}

/** Enqueues any body, for records the ingest would never have sent (corruption, a bug, a manual send). */
export async function enqueueRaw(queue: QueueRef, body: string, attributes: Record<string, string> = {}): Promise<void> {
  const messageAttributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) messageAttributes[name] = { DataType: 'String', StringValue: value };
  await queue.client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body, MessageAttributes: messageAttributes }));
}

async function receive(queue: QueueRef): Promise<Message[]> {
  const received = await queue.client.send(
    new ReceiveMessageCommand({
      QueueUrl: queue.url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return received.Messages ?? [];
}

export interface Round {
  readonly event: SQSEvent;
  readonly response: SQSBatchResponse;
  /** Message ids reported in batchItemFailures. */
  readonly failed: string[];
}

/** One batch through the handler; undefined when the queue had nothing visible. */
export async function runRound(queue: QueueRef, handler: BatchHandler): Promise<Round | undefined> {
  const messages = await receive(queue);
  if (messages.length === 0) return undefined;
  const event = sqsEventFromMessages(messages, localQueueArn(queue.name));
  const response = await handler(event, lambdaContext('distribute', 20_000));
  const failed = response.batchItemFailures.map((failure) => failure.itemIdentifier);
  const entries = (selected: Message[]) => selected.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle }));
  const succeeded = messages.filter((message) => !failed.includes(message.MessageId ?? ''));
  const retried = messages.filter((message) => failed.includes(message.MessageId ?? ''));
  if (succeeded.length > 0) await queue.client.send(new DeleteMessageBatchCommand({ QueueUrl: queue.url, Entries: entries(succeeded) }));
  if (retried.length > 0) {
    await queue.client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queue.url,
        Entries: entries(retried).map((entry) => ({ ...entry, VisibilityTimeout: 0 })),
      }),
    );
  }
  return { event, response, failed };
}

/** Rounds until the queue is empty; fails the test if it is not empty after `maxRounds`. */
export async function runUntilEmpty(queue: QueueRef, handler: BatchHandler, maxRounds = 5): Promise<Round[]> {
  const rounds: Round[] = [];
  for (let index = 0; index < maxRounds; index++) {
    const round = await runRound(queue, handler);
    if (!round) return rounds;
    rounds.push(round);
  }
  throw new Error(`Queue ${queue.name} still had messages after ${maxRounds} rounds`);
}

/** Everything in a queue, with attributes, removed from it. */
export async function drain(queue: QueueRef): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const messages = await receive(queue);
    if (messages.length === 0) return all;
    all.push(...messages);
    await queue.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
      }),
    );
  }
}

/** runRound once a message is visible: for records put back with a delay. */
export async function nextRound(queue: QueueRef, handler: BatchHandler, timeoutMs = 10_000): Promise<Round> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const round = await runRound(queue, handler);
    if (round) return round;
    if (Date.now() > deadline) throw new Error(`Nothing became visible on ${queue.name} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
