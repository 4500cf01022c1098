/**
 * Comparator: the obvious Middy + valibot build (docs/TOOLING.md §3): http-header-normalizer, the
 * HMAC middleware, http-json-body-parser, http-error-handler, and a handler that runs valibot's
 * safeParse on the parsed body. It uses the project's own valibot contract, so the validation work
 * is identical to ours and only the framework differs.
 */
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { parseWebhook } from '../../functions/shared/webhookContract.ts';
import { type ComparatorOptions, enqueueAccepted, ignoredReply, invalidPayloadReply, voucherifySignature } from './comparatorSupport.ts';

type ParsedEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body: unknown; rawBody?: string };

export function createMiddyValibotHandler(options: ComparatorOptions) {
  async function receive(event: ParsedEvent): Promise<APIGatewayProxyStructuredResultV2> {
    const parsed = parseWebhook(event.body);
    if (parsed.outcome === 'invalid') return invalidPayloadReply(parsed.issues);
    if (parsed.outcome === 'other_event') return ignoredReply(parsed.envelope);
    return enqueueAccepted(options, event.rawBody!, parsed.webhook);
  }
  return middy<any, APIGatewayProxyStructuredResultV2>()
    .use(httpErrorHandler({ logger: false }))
    .use(httpHeaderNormalizer())
    .use(voucherifySignature(options.secret))
    .use(keepRawBody())
    .use(httpJsonBodyParser())
    .handler(receive) as unknown as (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
}

/** The body parser replaces event.body; the message must carry the bytes as verified. */
export const keepRawBody = () => ({
  before: function keepRawBody(request: { event: { body?: unknown; rawBody?: string; isBase64Encoded?: boolean } }) {
    const { body, isBase64Encoded } = request.event;
    request.event.rawBody = isBase64Encoded ? Buffer.from(String(body), 'base64').toString('utf8') : String(body);
  },
});
