/**
 * Comparator: Middy + @middy/validator (AJV, compiled with the validator's transpileSchema at start
 * up): http-header-normalizer, the HMAC middleware, http-json-body-parser, the validator with a JSON
 * Schema of the same contract, http-error-handler, and a small onError step that turns the
 * validator's 400 into the same 422 body as ours.
 *
 * JSON Schema cannot say "a field of the wrong type counts as absent" (the contract's leniency), so
 * the optional fields are left unconstrained: the schema refuses exactly what the contract refuses.
 */
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import { createError } from '@middy/util';
import validator from '@middy/validator';
import { transpileSchema } from '@middy/validator/transpile';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type ComparatorOptions, enqueueAccepted, ignoredReply, SEGMENT_ENTERED, voucherifySignature } from './comparatorSupport.ts';
import { keepRawBody } from './middyValibot.ts';

const SAFE_ID = '^[^\\p{Cc}\\p{Cs}\\uFFFE\\uFFFF]+$';
const transportId = { type: 'string', minLength: 1, maxLength: 256, pattern: SAFE_ID };
const requiredId = { type: 'string', minLength: 1 };
const object = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, required });

const segmentEnteredData = object(
  {
    customer: object({ id: requiredId }, ['id']),
    segment: object({ id: requiredId }, ['id']),
  },
  ['customer', 'segment'],
);

const webhookSchema = {
  ...object(
    {
      id: transportId,
      project_id: { type: 'string' },
      created_at: { type: 'string' },
      type: { type: 'string' },
      data: { type: 'object' },
      source: { type: 'object' },
      event: object({ id: transportId, type: { type: 'string' } }, ['id', 'type']),
    },
    ['id', 'project_id', 'created_at', 'type', 'data', 'source', 'event'],
  ),
  if: object({ event: object({ type: { const: SEGMENT_ENTERED } }) }),
  then: object({ data: segmentEnteredData }),
};

const eventSchema = object({ body: webhookSchema }, ['body']);

interface AjvError {
  readonly instancePath: string;
  readonly message?: string;
  readonly keyword: string;
  readonly params: { missingProperty?: string };
}

/** `/body/data` + missing `customer` → `data.customer`; the `if` keyword's own error is noise. */
const toIssues = (errors: readonly AjvError[]) =>
  errors
    .filter((error) => error.keyword !== 'if')
    .map((error) => {
      const segments = error.instancePath.split('/').slice(2);
      if (error.params.missingProperty) segments.push(error.params.missingProperty);
      return { path: segments.join('.'), message: error.message ?? error.keyword };
    });

export function createMiddyAjvHandler(options: ComparatorOptions) {
  const validate = transpileSchema(eventSchema);
  async function receive(event: { body: Record<string, any>; rawBody?: string }): Promise<APIGatewayProxyStructuredResultV2> {
    const webhook = event.body;
    if (webhook.event.type !== SEGMENT_ENTERED) return ignoredReply(webhook);
    return enqueueAccepted(options, event.rawBody!, webhook);
  }
  return middy<any, APIGatewayProxyStructuredResultV2>()
    .use(httpErrorHandler({ logger: false }))
    .use(httpHeaderNormalizer())
    .use(voucherifySignature(options.secret))
    .use(keepRawBody())
    .use(httpJsonBodyParser())
    .use(validator({ eventSchema: validate }))
    .use({
      onError: function invalidPayload(request: { error: unknown }) {
        const error = request.error as { cause?: { package?: string; data?: AjvError[] } } | undefined;
        if (error?.cause?.package !== '@middy/validator') return;
        request.error = createError(422, JSON.stringify({ error: 'invalid_payload', issues: toIssues(error.cause.data ?? []) }));
      },
    })
    .handler(receive as never) as unknown as (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
}
