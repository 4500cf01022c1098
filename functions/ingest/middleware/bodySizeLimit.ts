import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { WebhookRejectedError } from '../errors.ts';

/**
 * The size of the body as it was sent. A base64 body (API Gateway's form for a body it does not take
 * for text) is measured decoded: padding and stray characters make its encoded length only an estimate.
 */
export function bodyBytes(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): number {
  const body = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(body, 'base64').length : Buffer.byteLength(body, 'utf8');
}

/** Refuses a body over `maxBytes` with 413 before anything reads it (the limit keeps a message within SQS's). */
export const bodySizeLimit = (options: { readonly maxBytes: number }): MiddlewareObj<APIGatewayProxyEventV2> => ({
  before: function refuseOversizedBody(request) {
    if (bodyBytes(request.event) > options.maxBytes) throw new WebhookRejectedError('payload_too_large');
  },
});
