/**
 * A DynamoDB-compatible server for local runs and integration tests: dynalite, in memory, on
 * loopback, spoken to over the real DynamoDB protocol by the same SDK calls that run in
 * production. dynalite loads LevelDB's prebuilt binary (classic-level ships prebuilds, so its
 * disabled install script is not needed) but keeps its data in memory-level unless given a path.
 *
 * With a `path`, the data lives in LevelDB on disk instead, and survives interrupt() and resume():
 * a restart of the server on the same port, which is how tests make DynamoDB unavailable.
 *
 * Known differences from DynamoDB that matter here: no TTL (the attribute is stored but nothing
 * expires), and a failed condition does not return the existing item even when asked with
 * ReturnValuesOnConditionCheckFailure, so the idempotency store's fallback read is what runs.
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { IDEMPOTENCY_TABLE } from '../functions/distribute/idempotencyTable.ts';
import { UNSUBSCRIBE_TABLE } from '../functions/shared/unsubscribeTable.ts';
import { localAwsClientConfig } from './localAws.ts';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly port: number;
  /** A client for this server, configured like the functions' own when pointed at it. */
  client(): DynamoDBClient;
  /** Creates the idempotency table (from its shared definition) and waits until it is ACTIVE. */
  createIdempotencyTable(tableName: string): Promise<void>;
  /** Creates the unsubscribe table (from its shared definition) and waits until it is ACTIVE. */
  createUnsubscribeTable(tableName: string): Promise<void>;
  /**
   * Stops the server as a crash or an outage would: new connections are refused and open ones are
   * cut. Only a server started with a `path` may be interrupted: in memory, its data would be lost,
   * which DynamoDB never does. resume() restarts it on the same port, over the same data.
   */
  interrupt(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalDynamo(options: { port?: number; host?: string; path?: string } = {}): Promise<LocalDynamo> {
  // Tables are usable at once: the default 500 ms CREATING state would only slow the tests.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  // dynalite closes its database with the server and reopens it (from `path`) when it listens again.
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      // Keep-alive sockets of clients not yet destroyed would otherwise hold close() open.
      server.closeAllConnections();
    });
  await listen(options.port ?? 0);
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = () => new DynamoDBClient({ ...localAwsClientConfig(), endpoint });

  return {
    endpoint,
    port,
    client,
    createIdempotencyTable: (tableName) => withClient(client, (admin) => createTable(admin, tableName, IDEMPOTENCY_TABLE.partitionKey)),
    createUnsubscribeTable: (tableName) => withClient(client, (admin) => createTable(admin, tableName, UNSUBSCRIBE_TABLE.partitionKey)),
    async interrupt() {
      if (!options.path) throw new Error('Only a local DynamoDB started with a path keeps its data through an interruption');
      if (server.listening) await close();
    },
    async resume() {
      if (!server.listening) await listen(port);
    },
    async stop() {
      if (server.listening) await close();
    },
  };
}

async function withClient(client: () => DynamoDBClient, use: (client: DynamoDBClient) => Promise<void>): Promise<void> {
  const admin = client();
  try {
    await use(admin);
  } finally {
    admin.destroy();
  }
}

/**
 * A table as the stack defines its two: a string partition key and nothing else (the idempotency
 * table's TTL is enabled by the stack; dynalite does not implement TTL).
 */
export async function createTable(client: DynamoDBClient, tableName: string, partitionKey: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  for (let attempt = 0; attempt < 50; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`Table ${tableName} did not become ACTIVE`);
}
