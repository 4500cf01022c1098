/**
 * Each of the ingest's middlewares on its own, in a Middy chain of one, as a Middy user would reuse
 * it: what it refuses, with which error, and what it hands on.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import middy, { type MiddlewareObj } from '@middy/core';
import { createError } from '@middy/util';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { QueueUnavailableError, SecretNotConfiguredError, WebhookRejectedError } from '../functions/ingest/errors.ts';
import { bodySizeLimit } from '../functions/ingest/middleware/bodySizeLimit.ts';
import { jsonBodyParser } from '../functions/ingest/middleware/jsonBodyParser.ts';
import { isJsonMediaType, jsonContentType } from '../functions/ingest/middleware/jsonContentType.ts';
import { voucherifySignature } from '../functions/ingest/middleware/voucherifySignature.ts';
import { webhookErrorResponse } from '../functions/ingest/middleware/webhookErrorResponse.ts';
import { webhookValidator } from '../functions/ingest/middleware/webhookValidator.ts';
import { staticSigningSecrets } from '../functions/ingest/signingSecrets.ts';
import { signatureFor } from '../functions/ingest/verifySignature.ts';
import { ConfigurationError } from '../functions/shared/settings.ts';
import { lambdaContext } from '../local/lambdaEvents.ts';
import { type CapturedOutput, captureOutput } from './support/captureOutput.ts';
import { FIXTURE_SECRET, readFixture } from './support/fixtures.ts';
import { signedEvent } from './support/webhookRequests.ts';

/** Runs one middleware in front of a handler that returns the event as it arrived. */
async function through(middleware: MiddlewareObj<APIGatewayProxyEventV2>, event: APIGatewayProxyEventV2): Promise<Record<string, any>> {
  const chain = middy<APIGatewayProxyEventV2, unknown>()
    .use(middleware)
    .handler(async (arrived) => arrived);
  return (await chain(event, lambdaContext('ingest'))) as Record<string, any>;
}

const rejection = (reason: string) => expect.objectContaining({ name: 'WebhookRejectedError', reason });

describe('bodySizeLimit', () => {
  test('lets a body of exactly the limit through and refuses one byte more with payload_too_large', async () => {
    const event = signedEvent('{"a":"ł"}');
    const size = Buffer.byteLength(event.body ?? '');
    await expect(through(bodySizeLimit({ maxBytes: size }), event)).resolves.toBeDefined();
    await expect(through(bodySizeLimit({ maxBytes: size - 1 }), event)).rejects.toEqual(rejection('payload_too_large'));
  });

  test('measures a base64 body decoded, whatever its padding', async () => {
    const bytes = Buffer.alloc(1025, 0x20);
    const event = { ...signedEvent('x'), body: bytes.toString('base64').replace(/=+$/, ''), isBase64Encoded: true };
    await expect(through(bodySizeLimit({ maxBytes: 1024 }), event)).rejects.toEqual(rejection('payload_too_large'));
    await expect(through(bodySizeLimit({ maxBytes: 1025 }), event)).resolves.toBeDefined();
  });
});

describe('jsonContentType', () => {
  test.each([
    [undefined, true],
    ['', true],
    ['application/json', true],
    ['Application/JSON', true],
    ['application/json; charset=utf-8', true],
    ['application/json;charset="UTF-8"', true],
    ['application/vnd.voucherify+json', true],
    ['application/json; charset=iso-8859-1', false],
    ['text/plain', false],
    ['application/x-www-form-urlencoded', false],
    ['multipart/form-data; boundary=x', false],
    ['application/jsonp', false],
  ])('%p is JSON: %p', (contentType, expected) => {
    expect(isJsonMediaType(contentType)).toBe(expected);
  });

  test('refuses another media type with unsupported_media_type', async () => {
    await expect(through(jsonContentType(), signedEvent('{}', { contentType: 'text/plain' }))).rejects.toEqual(
      rejection('unsupported_media_type'),
    );
  });
});

describe('voucherifySignature', () => {
  const body = readFixture('segment-entered-minimal.json');
  const verify = voucherifySignature({ secrets: staticSigningSecrets(`old,${FIXTURE_SECRET}`) });

  test('hands on the verified text as body and rawBody', async () => {
    const arrived = await through(verify, signedEvent(body));
    expect(arrived.body).toBe(body);
    expect(arrived.rawBody).toBe(body);
  });

  test('verifies a base64 body over its decoded bytes and hands on the text', async () => {
    const arrived = await through(verify, signedEvent(body, { base64: true }));
    expect(arrived).toMatchObject({ body, rawBody: body, isBase64Encoded: false });
  });

  test('accepts a signature over the compact form of a pretty body, and the raw pretty text is what it hands on', async () => {
    const pretty = JSON.stringify(JSON.parse(body), null, 2);
    const arrived = await through(
      verify,
      signedEvent(pretty, { signature: signatureFor(JSON.stringify(JSON.parse(body)), FIXTURE_SECRET) }),
    );
    expect(arrived.rawBody).toBe(pretty);
  });

  test.each([
    ['missing', null],
    ['not hex', 'z'.repeat(64)],
    ['made with another secret', signatureFor(body, 'another')],
  ])('refuses a signature that is %s with invalid_signature', async (_case, signature) => {
    await expect(through(verify, signedEvent(body, { signature }))).rejects.toEqual(rejection('invalid_signature'));
  });

  test('never fetches the secret for a header that cannot be a signature', async () => {
    let fetched = 0;
    const counting = voucherifySignature({
      secrets: {
        current: async () => {
          fetched++;
          return [FIXTURE_SECRET];
        },
      },
    });
    await expect(through(counting, signedEvent(body, { signature: 'abc' }))).rejects.toEqual(rejection('invalid_signature'));
    expect(fetched).toBe(0);
  });

  test('refuses signed text that UTF-8 cannot carry as it was signed with malformed_json', async () => {
    const event = signedEvent('{"a":"\ud800"}');
    event.body = '{"a":"\ud800"}';
    await expect(through(verify, event)).rejects.toEqual(rejection('malformed_json'));
  });
});

describe('jsonBodyParser', () => {
  test('parses the body with @middy/http-json-body-parser', async () => {
    expect((await through(jsonBodyParser(), signedEvent('{"a":[1,2]}'))).body).toEqual({ a: [1, 2] });
  });

  test("passes Middy's own error on for a body that is not JSON", async () => {
    await expect(through(jsonBodyParser(), signedEvent('{"a":'))).rejects.toMatchObject({ statusCode: 422 });
  });

  test.each([
    ['a __proto__ key', '{"__proto__":{"x":1},"a":1}'],
    ['a constructor holding a prototype', '{"constructor":{"prototype":{"x":1}},"a":1}'],
  ])('parses valid JSON Middy refuses: %s', async (_case, text) => {
    const arrived = await through(jsonBodyParser(), signedEvent(text));
    expect(arrived.body).toEqual(JSON.parse(text));
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  test("parses valid JSON nested deeper than Middy's reviver can recurse", async () => {
    const depth = 20_000;
    const arrived = await through(jsonBodyParser(), signedEvent(`{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`));
    let level = 0;
    for (let node: unknown = arrived.body.a; Array.isArray(node); node = node[0]) level++;
    expect(level).toBe(depth);
  });
});

describe('webhookValidator', () => {
  const withBody = (body: unknown) => ({ ...signedEvent('{}'), body }) as unknown as APIGatewayProxyEventV2;

  test('replaces the body with the validated webhook', async () => {
    const arrived = await through(webhookValidator(), withBody(JSON.parse(readFixture('segment-entered-promotion.json'))));
    expect(arrived.body).toMatchObject({ outcome: 'segment_entered', webhook: { id: 'whs_0f3a9c27d41b8e5a62' } });
  });

  test('lets another event type through for the handler to acknowledge', async () => {
    const arrived = await through(webhookValidator(), withBody(JSON.parse(readFixture('other-event-segment-left.json'))));
    expect(arrived.body).toMatchObject({ outcome: 'other_event' });
  });

  test.each([[[1]], ['text'], [null], [42]])('refuses a top level that is not an object (%p) with malformed_json', async (body) => {
    await expect(through(webhookValidator(), withBody(body))).rejects.toEqual(rejection('malformed_json'));
  });

  test('refuses what the contract refuses with invalid_payload and the issues', async () => {
    await expect(through(webhookValidator(), withBody(JSON.parse(readFixture('invalid-missing-customer.json'))))).rejects.toMatchObject({
      reason: 'invalid_payload',
      issues: [{ path: 'data.customer', message: 'is required' }],
    });
  });
});

describe('webhookErrorResponse', () => {
  let output: CapturedOutput;
  beforeEach(() => {
    output = captureOutput();
  });
  afterEach(() => output.restore());

  async function responseTo(error: unknown) {
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'ingest' });
    const chain = middy<APIGatewayProxyEventV2, unknown>()
      .use(webhookErrorResponse({ logger: new Logger({ serviceName: 'ingest' }), metrics }))
      .handler(async () => {
        throw error;
      });
    const response = (await chain(signedEvent('{}'), lambdaContext('ingest'))) as { statusCode: number; body: string };
    metrics.publishStoredMetrics();
    return { status: response.statusCode, body: JSON.parse(response.body) as unknown, lines: output.json() };
  }

  test.each([
    [new WebhookRejectedError('invalid_signature'), 401, { error: 'invalid_signature' }],
    [
      new WebhookRejectedError('invalid_payload', [{ path: 'id', message: 'is required' }]),
      422,
      { error: 'invalid_payload', issues: [{ path: 'id', message: 'is required' }] },
    ],
    [createError(422, 'Invalid or malformed JSON was provided'), 400, { error: 'malformed_json' }],
    [createError(415, 'Unsupported Media Type'), 415, { error: 'unsupported_media_type' }],
    [new QueueUnavailableError('down'), 503, { error: 'unavailable' }],
    [new SecretNotConfiguredError('none'), 500, { error: 'server_misconfigured' }],
    [new ConfigurationError('MAX_BODY_BYTES', 'must be an integer'), 500, { error: 'server_misconfigured' }],
    [new Error('something private'), 500, { error: 'internal_error' }],
  ])('answers %p with %i and %o', async (error, status, body) => {
    const response = await responseTo(error);
    expect(response.status).toBe(status);
    expect(response.body).toEqual(body);
    const metric = response.lines.find((line) => '_aws' in line);
    expect(metric).toMatchObject(status < 500 ? { WebhookRejected: 1 } : { WebhookFailed: 1 });
    expect(JSON.stringify(response.body)).not.toContain('private');
  });
});
