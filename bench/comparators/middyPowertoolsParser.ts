/**
 * Comparator: Middy + Powertools parser (zod 4): http-header-normalizer, the HMAC middleware, the
 * parser middleware with the API Gateway v2 envelope and a JSONStringified zod schema of the same
 * contract (safeParse, so an invalid body reaches the handler as a result to answer 422 with),
 * http-error-handler. As in the contract, `data` is checked against the segment-entered shape only
 * for that event type.
 */
import { ApiGatewayV2Envelope } from '@aws-lambda-powertools/parser/envelopes/api-gatewayv2';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import {
  type ComparatorOptions,
  enqueueAccepted,
  ignoredReply,
  invalidPayloadReply,
  SEGMENT_ENTERED,
  voucherifySignature,
} from './comparatorSupport.ts';

/** Optional, nullable, and treated as absent when it has an unexpected type (the contract's leniency). */
const lenient = <T extends z.ZodType>(schema: T) => schema.nullish().catch(undefined);
const optionalString = lenient(z.string());
const optionalNumber = lenient(z.number());
const transportId = z.string().min(1).max(256).regex(/^[^\p{Cc}\p{Cs}\uFFFE\uFFFF]+$/u);
const requiredId = z.string().min(1);

const envelopeSchema = z.looseObject({
  id: transportId,
  project_id: z.string(),
  created_at: z.string(),
  type: z.string(),
  data: z.looseObject({}),
  source: z.looseObject({ id: optionalString, object: optionalString }),
  event: z.looseObject({ id: transportId, type: z.string(), created_at: optionalString }),
});

const discount = z.looseObject({
  type: optionalString,
  amount_off: optionalNumber,
  percent_off: optionalNumber,
  amount_limit: optionalNumber,
  fixed_amount: optionalNumber,
  unit_off: optionalNumber,
  unit_type: optionalString,
});

const segmentEnteredData = z.looseObject({
  customer: z.looseObject({
    id: requiredId,
    source_id: optionalString,
    name: optionalString,
    email: optionalString,
    phone: optionalString,
    metadata: lenient(z.looseObject({})),
  }),
  segment: z.looseObject({ id: requiredId, name: optionalString }),
  campaign: lenient(
    z.looseObject({
      id: optionalString,
      name: optionalString,
      campaign_type: optionalString,
      start_date: optionalString,
      expiration_date: optionalString,
      description: optionalString,
    }),
  ),
  voucher: lenient(
    z.looseObject({
      id: optionalString,
      code: optionalString,
      type: optionalString,
      discount: lenient(discount),
      gift: lenient(z.looseObject({ amount: optionalNumber, balance: optionalNumber })),
      loyalty_card: lenient(z.looseObject({ points: optionalNumber, balance: optionalNumber })),
      start_date: optionalString,
      expiration_date: optionalString,
      campaign: optionalString,
      campaign_id: optionalString,
    }),
  ),
  publication: lenient(
    z.looseObject({
      id: optionalString,
      customer_id: optionalString,
      channel: optionalString,
      metadata: lenient(z.looseObject({ distribution_id: optionalString, source_type: optionalString })),
    }),
  ),
  promotion_tier: lenient(
    z.looseObject({
      id: optionalString,
      name: optionalString,
      banner: optionalString,
      campaign: lenient(z.looseObject({ id: optionalString })),
    }),
  ),
});

const toIssues = (error: z.ZodError, prefix: string[]) =>
  error.issues.map((issue) => ({ path: [...prefix, ...issue.path.map(String)].join('.'), message: issue.message }));

type Parsed =
  | { success: true; data: z.infer<typeof envelopeSchema> }
  | { success: false; error: { cause?: unknown }; originalEvent: APIGatewayProxyEventV2 };

export function createMiddyPowertoolsParserHandler(options: ComparatorOptions) {
  async function receive(parsed: Parsed, context: Context & { rawBody?: string }): Promise<APIGatewayProxyStructuredResultV2> {
    if (!parsed.success) {
      const cause = parsed.error.cause;
      // A body that is not JSON fails inside JSONStringified: the same 400 as ours.
      if (!(cause instanceof z.ZodError) || cause.issues.some((issue) => issue.path[0] === 'body' && issue.path.length === 1)) {
        return { statusCode: 400, headers: { 'content-type': 'application/json' }, body: '{"error":"malformed_json"}' };
      }
      return invalidPayloadReply(toIssues(cause, []).map((issue) => ({ ...issue, path: issue.path.replace(/^body\.?/, '') })));
    }
    const webhook = parsed.data;
    if (webhook.event.type !== SEGMENT_ENTERED) return ignoredReply(webhook);
    const data = segmentEnteredData.safeParse(webhook.data);
    if (!data.success) return invalidPayloadReply(toIssues(data.error, ['data']));
    return enqueueAccepted(options, context.rawBody ?? '', webhook);
  }
  return middy<any, APIGatewayProxyStructuredResultV2>()
    .use(httpErrorHandler({ logger: false }))
    .use(httpHeaderNormalizer())
    .use(voucherifySignature(options.secret))
    .use({
      // The parser replaces the event with the parsed body; the message carries the bytes as verified.
      before: function keepRawBody(request: { event: APIGatewayProxyEventV2; context: Context & { rawBody?: string } }) {
        const { body, isBase64Encoded } = request.event;
        request.context.rawBody = isBase64Encoded ? Buffer.from(body ?? '', 'base64').toString('utf8') : (body ?? '');
      },
    })
    .use(parser({ schema: JSONStringified(envelopeSchema), envelope: ApiGatewayV2Envelope, safeParse: true }))
    .handler(receive as never) as unknown as (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
}
