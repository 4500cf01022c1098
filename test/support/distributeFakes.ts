/**
 * In-memory stand-ins for the distribute function's dependencies, for unit tests of its decisions
 * (which step runs, in which order, and what each failure becomes). The same paths run against
 * real local servers in test/distribute.worker.test.ts.
 */
import { randomUUID } from 'node:crypto';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetterQueue } from '../../functions/distribute/deadLetterQueue.ts';
import type { DeferralQueue } from '../../functions/distribute/deferralQueue.ts';
import type { DeliveryChannel, DeliveryReceipt } from '../../functions/distribute/deliveryChannel.ts';
import { createDistributeHandler } from '../../functions/distribute/distributeHandler.ts';
import type { DistributeDependencies } from '../../functions/distribute/distributeRecord.ts';
import type { DistributionMessage } from '../../functions/distribute/distributionMessage.ts';
import type { DeliveryRecord, IdempotencyClaim, IdempotencyLease, IdempotencyStore } from '../../functions/distribute/idempotencyStore.ts';
import type { QueuedWebhook } from '../../functions/distribute/queuedWebhook.ts';
import { createSendPacer } from '../../functions/distribute/sendPacer.ts';
import type { UnsubscribeList } from '../../functions/shared/unsubscribeList.ts';
import { unsubscribeUrl } from '../../functions/shared/unsubscribeToken.ts';
import { lambdaContext, localQueueArn, sqsEvent, sqsRecord } from '../../local/lambdaEvents.ts';
import { captureOutput } from './captureOutput.ts';
import { defaultFormatters, TEST_SENDER } from './segmentEnteredWebhooks.ts';

/** Every call in order, across all fakes, so tests can check what happened before what. */
export type Call = `${'claim' | 'complete' | 'release' | 'deliver' | 'deadLetter' | 'defer'}:${string}`;

export class InMemoryIdempotencyStore implements IdempotencyStore {
  readonly records = new Map<string, { status: 'IN_PROGRESS' | 'COMPLETED'; token: string }>();
  failWith: Error | undefined;
  readonly #calls: Call[];
  constructor(calls: Call[]) {
    this.#calls = calls;
  }

  async claim(key: string): Promise<IdempotencyClaim> {
    this.#calls.push(`claim:${key}`);
    if (this.failWith) throw this.failWith;
    const existing = this.records.get(key);
    if (existing) return { status: existing.status === 'COMPLETED' ? 'completed' : 'in_progress' };
    const token = randomUUID();
    this.records.set(key, { status: 'IN_PROGRESS', token });
    return { status: 'acquired', lease: { key, token } };
  }

  async complete(lease: IdempotencyLease, _record: DeliveryRecord): Promise<'completed' | 'lock_lost'> {
    this.#calls.push(`complete:${lease.key}`);
    if (this.failWith) throw this.failWith;
    if (this.records.get(lease.key)?.token !== lease.token) return 'lock_lost';
    this.records.set(lease.key, { status: 'COMPLETED', token: lease.token });
    return 'completed';
  }

  async release(lease: IdempotencyLease): Promise<void> {
    this.#calls.push(`release:${lease.key}`);
    if (this.failWith) throw this.failWith;
    if (this.records.get(lease.key)?.token === lease.token) this.records.delete(lease.key);
  }
}

export class RecordingChannel implements DeliveryChannel {
  readonly name = 'outbox' as const;
  readonly delivered: DistributionMessage[] = [];
  /** Thrown by the next deliveries, in order. */
  readonly failures: unknown[] = [];
  readonly requiresEmail: boolean;
  readonly #calls: Call[];
  constructor(calls: Call[], requiresEmail = true) {
    this.#calls = calls;
    this.requiresEmail = requiresEmail;
  }

  async deliver(message: DistributionMessage): Promise<DeliveryReceipt> {
    this.#calls.push(`deliver:${message.envelopeId}`);
    if (this.failures.length > 0) throw this.failures.shift();
    this.delivered.push(message);
    return { reference: `ref-${this.delivered.length}` };
  }
}

export class RecordingDeadLetterQueue implements DeadLetterQueue {
  readonly sent: { webhook: QueuedWebhook; deadLetter: DeadLetter }[] = [];
  failWith: Error | undefined;
  readonly #calls: Call[];
  constructor(calls: Call[]) {
    this.#calls = calls;
  }

  async send(webhook: QueuedWebhook, deadLetter: DeadLetter): Promise<void> {
    this.#calls.push(`deadLetter:${webhook.messageId}`);
    if (this.failWith) throw this.failWith;
    this.sent.push({ webhook, deadLetter });
  }
}

/** Records put back on the queue, with their delays; `backlogSize` is what SQS would say is waiting. */
export class RecordingDeferralQueue implements DeferralQueue {
  readonly deferred: { webhook: QueuedWebhook; delaySeconds: number }[] = [];
  backlogSize: number | undefined = 0;
  failWith: Error | undefined;
  readonly #calls: Call[];
  constructor(calls: Call[]) {
    this.#calls = calls;
  }

  async defer(webhook: QueuedWebhook, delaySeconds: number): Promise<void> {
    this.#calls.push(`defer:${webhook.messageId}`);
    if (this.failWith) throw this.failWith;
    this.deferred.push({ webhook, delaySeconds });
  }

  async backlog(): Promise<number | undefined> {
    return this.backlogSize;
  }
}

/** Customers who unsubscribed, by id; `failWith` makes the list unreadable. */
export class InMemoryUnsubscribeList implements UnsubscribeList {
  readonly customers = new Set<string>();
  failWith: Error | undefined;
  async isUnsubscribed(customerId: string): Promise<boolean> {
    if (this.failWith) throw this.failWith;
    return this.customers.has(customerId);
  }
  async unsubscribe(customerId: string): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.customers.add(customerId);
  }
}

export interface FakeDependencies extends DistributeDependencies {
  readonly calls: Call[];
  readonly channel: RecordingChannel;
  readonly idempotency: InMemoryIdempotencyStore;
  readonly deadLetters: RecordingDeadLetterQueue;
  readonly deferrals: RecordingDeferralQueue;
  readonly unsubscribes: InMemoryUnsubscribeList;
}

/** Unpaced unless a rate is given; a real pacer either way. */
export function fakeDependencies(options: { requiresEmail?: boolean; ratePerSecond?: number } = {}): FakeDependencies {
  const calls: Call[] = [];
  return {
    calls,
    pacer: createSendPacer({ totalRate: async () => options.ratePerSecond, concurrency: 1 }),
    deferrals: new RecordingDeferralQueue(calls),
    maxSendOutAgeMs: 24 * 60 * 60 * 1000,
    recordBudgetMs: 1000,
    channel: new RecordingChannel(calls, options.requiresEmail ?? true),
    idempotency: new InMemoryIdempotencyStore(calls),
    deadLetters: new RecordingDeadLetterQueue(calls),
    format: defaultFormatters,
    sender: TEST_SENDER,
    unsubscribeLinks: {
      urlFor: async (customerId) => unsubscribeUrl('https://hooks.shop.example/unsubscribe', customerId, 'test-unsubscribe-secret'),
    },
    unsubscribes: new InMemoryUnsubscribeList(),
    overrides: {},
  };
}

const stringAttribute = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/** A queue message as the worker receives it; attributes by name, as the ingest sets them. */
export const queuedWebhook = (body: string, attributes: Record<string, string> = {}, messageId: string = randomUUID()): QueuedWebhook => ({
  messageId,
  body,
  attributes: Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, stringAttribute(value)])),
  firstQueuedAtMs: Date.now(),
  deferrals: 0,
});

/**
 * Records through the real distribute handler as one SQS batch, with the given time left; the
 * outcomes are read back from its log lines.
 */
export async function runDistributeBatch(webhooks: readonly QueuedWebhook[], dependencies: DistributeDependencies, remainingMs = 30_000) {
  const output = captureOutput();
  try {
    const handler = createDistributeHandler({}, { dependencies });
    const event = sqsEvent(
      webhooks.map((webhook) =>
        sqsRecord(
          {
            messageId: webhook.messageId,
            receiptHandle: webhook.messageId,
            body: webhook.body,
            messageAttributes: Object.fromEntries(Object.entries(webhook.attributes).map(([name, value]) => [name, { ...value }])),
          },
          localQueueArn('webhooks'),
        ),
      ),
    );
    const { batchItemFailures } = await handler(event, lambdaContext('distribute', remainingMs));
    const outcomes = webhooks.map((webhook) => output.json().find((line) => line.message_id === webhook.messageId));
    return { batchItemFailures, outcomes, lines: output.json() };
  } finally {
    output.restore();
  }
}
