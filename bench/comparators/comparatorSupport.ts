/**
 * What the three comparator builds share, so that they differ from each other and from ours only in
 * the framework and the validator: the same signature check (the spec's raw-then-compact HMAC, in
 * constant time, via our verifySignature), the same SQS message (body and the four attributes), the
 * same response bodies, and the same client settings. None of them logs or publishes metrics; ours
 * does both, so every difference in their favour is framework, not observability.
 */
import type { MiddlewareObj } from '@middy/core';
import { createError } from '@middy/util';
import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { verifySignature } from '../../functions/ingest/verifySignature.ts';

export interface ComparatorOptions {
  readonly queueUrl: string;
  readonly secret: string;
  readonly client: SQSClient;
}

export const SEGMENT_ENTERED = 'customer.segment.entered';

const JSON_HEADERS = { 'content-type': 'application/json' };

export const jsonReply = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: JSON_HEADERS,
  body: JSON.stringify(body),
});

/**
 * The HMAC middleware of the obvious Middy build: after http-header-normalizer (so the header name
 * is lower-case), before the body parser (which replaces the raw body). Refuses with a Middy HTTP
 * error that http-error-handler turns into the 401.
 */
export function voucherifySignature(secret: string): MiddlewareObj<APIGatewayProxyEventV2> {
  const secrets = [secret];
  return {
    before: function verifyVoucherifySignature(request) {
      const { body, isBase64Encoded, headers } = request.event;
      const raw = isBase64Encoded ? Buffer.from(body ?? '', 'base64') : (body ?? '');
      if (verifySignature(raw, headers['x-voucherify-signature'], secrets) !== 'valid') {
        throw createError(401, '{"error":"invalid_signature"}');
      }
    },
  };
}

type Json = Record<string, any>;

/** The distribution kind and id, read as the contract's classifyDistribution and distributionIdOf do. */
function distributionOf(webhook: Json): { kind: string; id: string | undefined } {
  const data = webhook.data ?? {};
  const kind = data.voucher?.code ? 'unique_code' : data.promotion_tier ? 'promotion' : 'plain_message';
  const id =
    webhook.source?.object === 'distribution' && webhook.source?.id
      ? webhook.source.id
      : (data.publication?.metadata?.distribution_id ?? webhook.source?.id ?? undefined);
  return { kind, id: typeof id === 'string' ? id : undefined };
}

const attribute = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/** SendMessage of the raw body with the same four attributes as ours, then the same 202. */
export async function enqueueAccepted(options: ComparatorOptions, rawBody: string, webhook: Json): Promise<APIGatewayProxyStructuredResultV2> {
  const { kind, id } = distributionOf(webhook);
  const attributes: Record<string, MessageAttributeValue> = {
    EnvelopeId: attribute(webhook.id),
    EventId: attribute(webhook.event.id),
    DistributionKind: attribute(kind),
  };
  if (id) attributes.DistributionId = attribute(id);
  await options.client.send(new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: rawBody, MessageAttributes: attributes }));
  return jsonReply(202, { status: 'accepted', id: webhook.id });
}

export const ignoredReply = (webhook: Json): APIGatewayProxyStructuredResultV2 =>
  jsonReply(200, { status: 'ignored', id: webhook.id, reason: 'unhandled_event_type', event_type: webhook.event.type });

export const invalidPayloadReply = (issues: readonly { path: string; message: string }[]): APIGatewayProxyStructuredResultV2 =>
  jsonReply(422, { error: 'invalid_payload', issues });
