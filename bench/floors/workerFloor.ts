/**
 * The distribute worker's floor, a bundle entry: the least work an exactly-once worker must do per
 * record, by hand, with no framework, logging, metrics or templates. Raw JSON.parse, a conditional
 * write that claims the send-out, one SES SendEmail, a conditional write that completes it (the
 * same two DynamoDB writes the design needs, so the ratio is about our code, not the protocol),
 * with the worker's client settings. The records of a batch run concurrently, as ours do.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

const fastFail = { maxAttempts: 3, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 } } as const;
const dynamo = new DynamoDBClient(fastFail);
const ses = new SESv2Client(fastFail);
const table = process.env.IDEMPOTENCY_TABLE_NAME ?? '';
const from = process.env.SENDER_ADDRESS ?? '';

async function deliver(record: SQSRecord): Promise<void> {
  const json = JSON.parse(record.body);
  const token = randomUUID();
  try {
    await dynamo.send(
      new PutItemCommand({
        TableName: table,
        Item: { pk: { S: json.id }, status: { S: 'IN_PROGRESS' }, token: { S: token } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return;
    throw error;
  }
  await ses.send(
    new SendEmailCommand({
      FromEmailAddress: from,
      Destination: { ToAddresses: [json.data.customer.email] },
      Content: { Simple: { Subject: { Data: 'Your code' }, Body: { Text: { Data: `Your code: ${json.data.voucher?.code}` } } } },
    }),
  );
  await dynamo.send(
    new PutItemCommand({
      TableName: table,
      Item: { pk: { S: json.id }, status: { S: 'COMPLETED' } },
      ConditionExpression: '#token = :token',
      ExpressionAttributeNames: { '#token': 'token' },
      ExpressionAttributeValues: { ':token': { S: token } },
    }),
  );
}

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const results = await Promise.allSettled(event.Records.map(deliver));
  return {
    batchItemFailures: results.flatMap((result, index) =>
      result.status === 'rejected' ? [{ itemIdentifier: event.Records[index]!.messageId }] : [],
    ),
  };
}
