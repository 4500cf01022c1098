/**
 * The floor the ingest is measured against: the least work any correct receiver must do for the
 * same request, written by hand with no framework, no logging and no metrics. Raw JSON.parse, one
 * HMAC over the raw bytes compared in constant time, hand-written checks of the required fields,
 * and SendMessage to the same queue with the same client settings.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

const reply = (statusCode: number, body: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body,
});

const isObject = (value: unknown): value is Record<string, any> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function createFloorHandler(options: { client: SQSClient; queueUrl: string; secret: string }) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const body = event.body ?? '';
    const signature = event.headers['x-voucherify-signature'];
    const expected = createHmac('sha256', options.secret).update(body).digest();
    if (!signature || signature.length !== 64 || !timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
      return reply(401, '{"error":"invalid_signature"}');
    }
    let json: any;
    try {
      json = JSON.parse(body);
    } catch {
      return reply(400, '{"error":"malformed_json"}');
    }
    if (
      !isObject(json) ||
      typeof json.id !== 'string' ||
      typeof json.project_id !== 'string' ||
      typeof json.created_at !== 'string' ||
      typeof json.type !== 'string' ||
      !isObject(json.data) ||
      !isObject(json.source) ||
      !isObject(json.event) ||
      typeof json.event.id !== 'string' ||
      typeof json.event.type !== 'string'
    ) {
      return reply(422, '{"error":"invalid_payload"}');
    }
    if (json.event.type !== 'customer.segment.entered') return reply(200, '{"status":"ignored"}');
    if (!isObject(json.data.customer) || typeof json.data.customer.id !== 'string' || !isObject(json.data.segment) || typeof json.data.segment.id !== 'string') {
      return reply(422, '{"error":"invalid_payload"}');
    }
    await options.client.send(
      new SendMessageCommand({
        QueueUrl: options.queueUrl,
        MessageBody: body,
        // The same message the product sends: a floor that sent less would measure a different job.
        MessageAttributes: {
          EnvelopeId: { DataType: 'String', StringValue: json.id },
          EventId: { DataType: 'String', StringValue: json.event.id },
          DistributionKind: {
            DataType: 'String',
            StringValue: json.data.voucher?.code ? 'unique_code' : json.data.promotion_tier ? 'promotion' : 'plain_message',
          },
          ...(typeof json.source.id === 'string' ? { DistributionId: { DataType: 'String', StringValue: json.source.id } } : {}),
        },
      }),
    );
    return reply(202, `{"status":"accepted","id":${JSON.stringify(json.id)}}`);
  };
}
