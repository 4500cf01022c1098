/**
 * The ingest's floor, a bundle entry: the least work any correct receiver must do for the same
 * request, by hand, with no framework, logging or metrics. One HMAC over the raw body compared in
 * constant time, raw JSON.parse, hand-written checks of the fields the message needs, and the same
 * SendMessage (body and attributes) with the ingest's SQS client settings. A floor that sent less
 * would measure a different job.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

const client = new SQSClient({ maxAttempts: 3, requestHandler: { connectionTimeout: 1000, requestTimeout: 2500 } });
const queueUrl = process.env.QUEUE_URL ?? '';
const secret = process.env.VOUCHERIFY_WEBHOOK_SECRET ?? '';

const reply = (statusCode: number, body: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body,
});
const isObject = (value: unknown): value is Record<string, any> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: string) => ({ DataType: 'String', StringValue: value });

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const body = event.body ?? '';
  const signature = event.headers['x-voucherify-signature'] ?? '';
  const expected = createHmac('sha256', secret).update(body).digest();
  if (signature.length !== 64 || !timingSafeEqual(expected, Buffer.from(signature, 'hex')))
    return reply(401, '{"error":"invalid_signature"}');
  let json: any;
  try {
    json = JSON.parse(body);
  } catch {
    return reply(400, '{"error":"malformed_json"}');
  }
  if (
    !isObject(json) ||
    typeof json.id !== 'string' ||
    !isObject(json.event) ||
    typeof json.event.id !== 'string' ||
    !isObject(json.data)
  ) {
    return reply(422, '{"error":"invalid_payload"}');
  }
  if (json.event.type !== 'customer.segment.entered') return reply(200, '{"status":"ignored"}');
  const { customer, segment, voucher, promotion_tier } = json.data;
  if (!isObject(customer) || typeof customer.id !== 'string' || !isObject(segment) || typeof segment.id !== 'string') {
    return reply(422, '{"error":"invalid_payload"}');
  }
  await client.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: body,
      MessageAttributes: {
        EnvelopeId: text(json.id),
        EventId: text(json.event.id),
        DistributionKind: text(voucher?.code ? 'unique_code' : promotion_tier ? 'promotion' : 'plain_message'),
        ...(typeof json.source?.id === 'string' ? { DistributionId: text(json.source.id) } : {}),
      },
    }),
  );
  return reply(202, `{"status":"accepted","id":${JSON.stringify(json.id)}}`);
}
