/**
 * The floor bundle's entry: the SQS client and the floor handler (raw JSON.parse, one HMAC,
 * hand-written checks, one SendMessage), nothing else. The client has the ingest's settings
 * (createBoundedSqsClient), written out here so the bundle does not pull in the ingest's modules.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { createFloorHandler } from '../../ingestFloor.ts';

export const handler = createFloorHandler({
  client: new SQSClient({ maxAttempts: 3, requestHandler: { connectionTimeout: 1000, requestTimeout: 2500 } }),
  queueUrl: process.env.QUEUE_URL ?? '',
  secret: process.env.VOUCHERIFY_WEBHOOK_SECRET ?? '',
});
