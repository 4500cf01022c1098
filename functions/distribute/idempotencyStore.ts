/**
 * Exactly-once delivery per send-out: a record per envelope `id` in DynamoDB. Before sending, a
 * worker claims the record with one conditional write; after sending it marks the record
 * COMPLETED; if the send fails it deletes its claim so a retry (or a DLQ redrive) can proceed.
 *
 * A claim is an IN_PROGRESS record with a random token and a lock expiry. The lock is shorter
 * than the queue's visibility timeout, so when a worker dies mid-delivery the message comes back
 * after the lock has expired and the next worker can take the claim over. Completed records are
 * kept `retentionDays` (past Voucherify's 14-day manual re-send horizon) and removed by TTL.
 */
import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DistributionKind } from '../shared/webhookContract.ts';
import { errorName, IdempotencyStoreError } from './errors.ts';
import { IDEMPOTENCY_TABLE } from './idempotencyTable.ts';

/** Proof of a claim: only its holder may complete or release the record. */
export interface IdempotencyLease {
  readonly key: string;
  readonly token: string;
}

export type IdempotencyClaim =
  | {
      readonly status: 'acquired';
      readonly lease: IdempotencyLease;
      /**
       * An earlier claim had expired unfinished and this one replaced it: its worker died (or
       * outlived its lock), possibly after the channel had accepted the message, so delivering now
       * may send a second copy. Absent for a fresh claim.
       */
      readonly takenOver?: true;
    }
  /** Delivered before: acknowledge without sending again. */
  | { readonly status: 'completed' }
  /** Another worker holds an unexpired claim: try again later. */
  | { readonly status: 'in_progress' };

/** What is remembered about a delivered send-out: ids only, never contact details. */
export interface DeliveryRecord {
  readonly kind: DistributionKind;
  readonly channel: string;
  readonly eventId: string;
  readonly distributionId: string | undefined;
  /** The channel's reference for the delivery, e.g. the SES message id. */
  readonly reference: string | undefined;
}

export interface IdempotencyStore {
  /** Rejects with IdempotencyStoreError when DynamoDB cannot be reached. */
  claim(key: string): Promise<IdempotencyClaim>;
  /** 'lock_lost' when the claim expired and another worker took it over meanwhile. */
  complete(lease: IdempotencyLease, record: DeliveryRecord): Promise<'completed' | 'lock_lost'>;
  /** Gives the claim up; a claim already taken over is left alone. */
  release(lease: IdempotencyLease): Promise<void>;
}

export interface DynamoIdempotencyStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly lockSeconds: number;
  readonly retentionDays: number;
  readonly now?: () => number;
}

const STATUS = { inProgress: 'IN_PROGRESS', completed: 'COMPLETED' } as const;

/** Expression placeholders (`status` is a DynamoDB reserved word). DynamoDB refuses unused ones, so each call picks its own. */
const NAMES = {
  pk: { '#pk': IDEMPOTENCY_TABLE.partitionKey },
  status: { '#status': 'status' },
  lockToken: { '#lockToken': 'lock_token' },
  lockExpiresAt: { '#lockExpiresAt': 'lock_expires_at' },
} as const;

/** By name as well as class: the error may come from another copy of the SDK (the Lambda runtime's). */
const isConditionFailure = (error: unknown): error is ConditionalCheckFailedException =>
  error instanceof ConditionalCheckFailedException || errorName(error) === 'ConditionalCheckFailedException';

const s = (value: string): AttributeValue => ({ S: value });
const n = (value: number): AttributeValue => ({ N: String(value) });

export function dynamoIdempotencyStore(options: DynamoIdempotencyStoreOptions): IdempotencyStore {
  const { client, tableName } = options;
  const nowSeconds = () => Math.floor((options.now ?? Date.now)() / 1000);
  const retentionSeconds = options.retentionDays * 86_400;
  const keyOf = (key: string) => ({ [IDEMPOTENCY_TABLE.partitionKey]: s(key) });

  async function send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isConditionFailure(error)) throw error;
      throw new IdempotencyStoreError(`Idempotency table ${operation} failed`, `dynamodb:${errorName(error)}`, { cause: error });
    }
  }

  /** The record that made a claim fail. DynamoDB returns it with the failure; a fallback read covers servers that do not. */
  async function existingRecord(failure: ConditionalCheckFailedException, key: string) {
    if (failure.Item) return failure.Item;
    const read = await send('read', () => client.send(new GetItemCommand({ TableName: tableName, Key: keyOf(key), ConsistentRead: true })));
    return read.Item;
  }

  return {
    async claim(key) {
      const now = nowSeconds();
      const token = randomUUID();
      try {
        const { Attributes: replaced } = await send('claim', () =>
          client.send(
            new PutItemCommand({
              TableName: tableName,
              Item: {
                ...keyOf(key),
                status: s(STATUS.inProgress),
                lock_token: s(token),
                lock_expires_at: n(now + options.lockSeconds),
                // A claim stranded by a crash is cleaned up by TTL like a completed record.
                [IDEMPOTENCY_TABLE.timeToLiveAttribute]: n(now + retentionSeconds),
              },
              ConditionExpression: 'attribute_not_exists(#pk) OR (#status = :inProgress AND #lockExpiresAt < :now)',
              ExpressionAttributeNames: { ...NAMES.pk, ...NAMES.status, ...NAMES.lockExpiresAt },
              ExpressionAttributeValues: { ':inProgress': s(STATUS.inProgress), ':now': n(now) },
              // The replaced item, if any: by the condition, an expired claim nobody completed or released.
              ReturnValues: 'ALL_OLD',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          ),
        );
        return { status: 'acquired', lease: { key, token }, ...(replaced ? { takenOver: true } : {}) };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const existing = await existingRecord(error, key);
        // Gone by now means released between the write and the read: simply try again later.
        return existing?.status?.S === STATUS.completed ? { status: 'completed' } : { status: 'in_progress' };
      }
    },

    async complete(lease, record) {
      const now = nowSeconds();
      const item: Record<string, AttributeValue> = {
        ...keyOf(lease.key),
        status: s(STATUS.completed),
        outcome: s('delivered'),
        kind: s(record.kind),
        channel: s(record.channel),
        event_id: s(record.eventId),
        completed_at: s(new Date(now * 1000).toISOString()),
        [IDEMPOTENCY_TABLE.timeToLiveAttribute]: n(now + retentionSeconds),
      };
      if (record.distributionId) item.distribution_id = s(record.distributionId);
      if (record.reference) item.reference = s(record.reference);
      try {
        await send('completion', () =>
          client.send(
            new PutItemCommand({
              TableName: tableName,
              Item: item,
              ConditionExpression: '#status = :inProgress AND #lockToken = :token',
              ExpressionAttributeNames: { ...NAMES.status, ...NAMES.lockToken },
              ExpressionAttributeValues: { ':inProgress': s(STATUS.inProgress), ':token': s(lease.token) },
            }),
          ),
        );
        return 'completed';
      } catch (error) {
        if (isConditionFailure(error)) return 'lock_lost';
        throw error;
      }
    },

    async release(lease) {
      try {
        await send('release', () =>
          client.send(
            new DeleteItemCommand({
              TableName: tableName,
              Key: keyOf(lease.key),
              ConditionExpression: '#lockToken = :token',
              ExpressionAttributeNames: NAMES.lockToken,
              ExpressionAttributeValues: { ':token': s(lease.token) },
            }),
          ),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },
  };
}
