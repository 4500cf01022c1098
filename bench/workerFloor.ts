/**
 * The floor the distribute worker is measured against: the least work any worker must do for a
 * record, by hand, with no framework, no logging, no metrics and no message rendering. Raw
 * JSON.parse of the body, one conditional PutItem that claims the send-out (the same table, the
 * same client settings), and one channel call: an append to the outbox file, or a POST to the
 * forward URL. The records of a batch run concurrently, as ours do.
 */
import { appendFile } from 'node:fs/promises';
import { ConditionalCheckFailedException, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

export type FloorChannel = { readonly kind: 'outbox'; readonly file: string } | { readonly kind: 'http'; readonly url: string };

export function createWorkerFloorHandler(options: { client: DynamoDBClient; tableName: string; channel: FloorChannel }) {
  const { client, tableName, channel } = options;

  async function deliver(json: Record<string, any>): Promise<void> {
    const line = JSON.stringify({ to: json.data.customer.email, id: json.id });
    if (channel.kind === 'outbox') {
      await appendFile(channel.file, `${line}\n`);
      return;
    }
    const response = await fetch(channel.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: line });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  }

  async function record(body: string): Promise<boolean> {
    const json = JSON.parse(body) as Record<string, any>;
    try {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { pk: { S: json.id }, status: { S: 'COMPLETED' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return true;
      throw error;
    }
    await deliver(json);
    return true;
  }

  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const results = await Promise.allSettled(event.Records.map((item) => record(item.body)));
    return {
      batchItemFailures: results.flatMap((result, index) =>
        result.status === 'rejected' ? [{ itemIdentifier: event.Records[index]!.messageId }] : [],
      ),
    };
  };
}
