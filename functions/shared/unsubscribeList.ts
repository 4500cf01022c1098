/**
 * The customers who unsubscribed, one DynamoDB item each, keyed by their Voucherify customer id
 * and kept until removed by hand: the unsubscribe function adds them, the distribute function
 * skips them. No contact detail is stored.
 */
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { UNSUBSCRIBE_TABLE } from './unsubscribeTable.ts';

export interface UnsubscribeList {
  /** Rejects when the table cannot be read: nothing may be sent to a customer who may have unsubscribed. */
  isUnsubscribed(customerId: string): Promise<boolean>;
  /** Records the customer as unsubscribed now; doing it again changes nothing that matters. */
  unsubscribe(customerId: string): Promise<void>;
}

export function dynamoUnsubscribeList(options: {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly now?: () => number;
}): UnsubscribeList {
  const { client, tableName } = options;
  const key = (customerId: string) => ({ [UNSUBSCRIBE_TABLE.partitionKey]: { S: customerId } });
  return {
    async isUnsubscribed(customerId) {
      const { Item } = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: key(customerId),
          ProjectionExpression: '#pk',
          ExpressionAttributeNames: { '#pk': UNSUBSCRIBE_TABLE.partitionKey },
        }),
      );
      return Item !== undefined;
    },
    async unsubscribe(customerId) {
      const at = new Date((options.now ?? Date.now)()).toISOString();
      // The first unsubscription is the one on record: a repeated click keeps its date.
      await client
        .send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...key(customerId), unsubscribed_at: { S: at } },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': UNSUBSCRIBE_TABLE.partitionKey },
          }),
        )
        .catch((error: unknown) => {
          if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
        });
    },
  };
}
