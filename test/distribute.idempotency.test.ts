/**
 * The idempotency store against a real DynamoDB-compatible server (dynalite over HTTP), with an
 * injected clock for lock expiry. One case uses a stub client: dynalite does not return the
 * existing item with a failed condition, so DynamoDB's one-round-trip path is shown there.
 */
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { IdempotencyStoreError } from '../functions/distribute/errors.ts';
import { type DeliveryRecord, dynamoIdempotencyStore, type IdempotencyLease } from '../functions/distribute/idempotencyStore.ts';
import { IDEMPOTENCY_TABLE } from '../functions/distribute/idempotencyTable.ts';
import { localAwsClientConfig } from '../local/localAws.ts';
import { type LocalDynamo, startLocalDynamo } from '../local/localDynamo.ts';
import { closedPort } from './support/scriptedHttpServer.ts';
import { freshEnvelopeId } from './support/segmentEnteredWebhooks.ts';

const TABLE = 'idempotency-store-test';
const LOCK_SECONDS = 60;
const RETENTION_DAYS = 15;
const START = Date.parse('2026-03-16T09:12:44.532Z');

const record: DeliveryRecord = { kind: 'unique_code', channel: 'ses', eventId: 'evcus_1', distributionId: 'distr_1', reference: 'ses-123' };

let dynamo: LocalDynamo;
let client: DynamoDBClient;
let clock: number;

const store = () =>
  dynamoIdempotencyStore({ client, tableName: TABLE, lockSeconds: LOCK_SECONDS, retentionDays: RETENTION_DAYS, now: () => clock });

async function acquire(key: string): Promise<IdempotencyLease> {
  const claim = await store().claim(key);
  if (claim.status !== 'acquired') throw new Error(`Expected to acquire ${key}, got ${claim.status}`);
  return claim.lease;
}

const storedItem = async (key: string) =>
  (await client.send(new GetItemCommand({ TableName: TABLE, Key: { [IDEMPOTENCY_TABLE.partitionKey]: { S: key } }, ConsistentRead: true })))
    .Item;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  await dynamo.createIdempotencyTable(TABLE);
  client = dynamo.client();
});

afterAll(async () => {
  client.destroy();
  await dynamo.stop();
});

beforeEach(() => {
  clock = START;
});

describe('the DynamoDB idempotency store', () => {
  test('lets the first worker claim a send-out and reports it completed once delivered', async () => {
    const key = freshEnvelopeId();
    const lease = await acquire(key);
    await expect(store().complete(lease, record)).resolves.toBe('completed');
    await expect(store().claim(key)).resolves.toEqual({ status: 'completed' });
  });

  test('keeps a completed record for the retention period, with ids only', async () => {
    const key = freshEnvelopeId();
    await store().complete(await acquire(key), record);
    const nowSeconds = Math.floor(START / 1000);
    expect(await storedItem(key)).toEqual({
      pk: { S: key },
      status: { S: 'COMPLETED' },
      outcome: { S: 'delivered' },
      kind: { S: 'unique_code' },
      channel: { S: 'ses' },
      event_id: { S: 'evcus_1' },
      distribution_id: { S: 'distr_1' },
      reference: { S: 'ses-123' },
      completed_at: { S: '2026-03-16T09:12:44.000Z' },
      [IDEMPOTENCY_TABLE.timeToLiveAttribute]: { N: String(nowSeconds + RETENTION_DAYS * 86_400) },
    });
  });

  test('reports a send-out claimed by another worker as in progress until the lock expires, then lets it be taken over', async () => {
    const key = freshEnvelopeId();
    const first = await acquire(key);
    clock += LOCK_SECONDS * 1000;
    await expect(store().claim(key)).resolves.toEqual({ status: 'in_progress' });
    clock += 1000;
    const second = await acquire(key);
    expect(second.token).not.toBe(first.token);
    // The first worker finishing late does not overwrite the new claim.
    await expect(store().complete(first, record)).resolves.toBe('lock_lost');
    await expect(store().complete(second, record)).resolves.toBe('completed');
  });

  test('never takes over a completed record, however old its lock', async () => {
    const key = freshEnvelopeId();
    await store().complete(await acquire(key), record);
    clock += 30 * 86_400 * 1000;
    await expect(store().claim(key)).resolves.toEqual({ status: 'completed' });
  });

  test('frees a released claim at once for the retry', async () => {
    const key = freshEnvelopeId();
    await store().release(await acquire(key));
    expect(await storedItem(key)).toBeUndefined();
    await expect(store().claim(key)).resolves.toMatchObject({ status: 'acquired' });
  });

  test('leaves a claim alone when a worker whose lock was taken over releases it', async () => {
    const key = freshEnvelopeId();
    const stale = await acquire(key);
    clock += (LOCK_SECONDS + 1) * 1000;
    const current = await acquire(key);
    await store().release(stale);
    expect((await storedItem(key))?.lock_token).toEqual({ S: current.token });
  });

  test('gives exactly one of many concurrent claims the send-out', async () => {
    const key = freshEnvelopeId();
    const claims = await Promise.all(Array.from({ length: 8 }, () => store().claim(key)));
    expect(claims.filter((claim) => claim.status === 'acquired')).toHaveLength(1);
    expect(claims.filter((claim) => claim.status === 'in_progress')).toHaveLength(7);
  });

  test('reports DynamoDB being unreachable as an IdempotencyStoreError, for every operation', async () => {
    const unreachable = new DynamoDBClient({
      ...localAwsClientConfig(),
      endpoint: `http://127.0.0.1:${await closedPort()}`,
      maxAttempts: 1,
    });
    const down = dynamoIdempotencyStore({
      client: unreachable,
      tableName: TABLE,
      lockSeconds: LOCK_SECONDS,
      retentionDays: RETENTION_DAYS,
    });
    const lease = { key: 'whs_x', token: 't' };
    await expect(down.claim('whs_x')).rejects.toBeInstanceOf(IdempotencyStoreError);
    await expect(down.complete(lease, record)).rejects.toBeInstanceOf(IdempotencyStoreError);
    await expect(down.release(lease)).rejects.toBeInstanceOf(IdempotencyStoreError);
    unreachable.destroy();
  });

  test('reports a missing table as an IdempotencyStoreError naming the cause', async () => {
    const wrongTable = dynamoIdempotencyStore({
      client,
      tableName: 'no-such-table',
      lockSeconds: LOCK_SECONDS,
      retentionDays: RETENTION_DAYS,
    });
    await expect(wrongTable.claim('whs_x')).rejects.toMatchObject({
      name: 'IdempotencyStoreError',
      detail: 'dynamodb:ResourceNotFoundException',
    });
  });

  test('learns the existing record from the failed condition itself when DynamoDB returns it, without a second read', async () => {
    const sent: string[] = [];
    const dynamoDbReturningOldItem = {
      send: async (command: { constructor: { name: string } }) => {
        sent.push(command.constructor.name);
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: { status: { S: 'COMPLETED' } },
        });
      },
    } as unknown as DynamoDBClient;
    const stubbed = dynamoIdempotencyStore({ client: dynamoDbReturningOldItem, tableName: TABLE, lockSeconds: 60, retentionDays: 15 });
    await expect(stubbed.claim('whs_x')).resolves.toEqual({ status: 'completed' });
    expect(sent).toEqual(['PutItemCommand']);
  });
});
