/** Entry of the middyValibot comparator's bundle, configured from the environment as a Lambda function is. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { createMiddyValibotHandler } from '../../comparators/middyValibot.ts';

export const handler = createMiddyValibotHandler({
  client: new SQSClient({ maxAttempts: 3, requestHandler: { connectionTimeout: 1000, requestTimeout: 2500 } }),
  queueUrl: process.env.QUEUE_URL ?? '',
  secret: process.env.VOUCHERIFY_WEBHOOK_SECRET ?? '',
});
