/**
 * The ingest's middleware chain, composed as in production, with an in-memory queue: every decision
 * it makes and the order it makes them in (size, media type, signature before any parsing, JSON,
 * contract, event type, replay guard, enqueue). Against a real local SQS: ingest.handler.test.ts.
 */
import { QueueUnavailableError } from '../functions/ingest/errors.ts';
import { createIngestHandler, type IngestDependencies } from '../functions/ingest/ingestHandler.ts';
import { staticSigningSecrets } from '../functions/ingest/signingSecrets.ts';
import { signatureFor } from '../functions/ingest/verifySignature.ts';
import { lambdaContext } from '../local/lambdaEvents.ts';
import { type CapturedOutput, captureOutput } from './support/captureOutput.ts';
import { EXPECTED_INGEST_STATUS, FIXTURE_SECRET, fixtureSignatures, readFixture } from './support/fixtures.ts';
import { InMemoryWebhookQueue } from './support/inMemoryQueue.ts';
import { parseResponseBody, type SignedEventOptions, signedEvent } from './support/webhookRequests.ts';

let queue: InMemoryWebhookQueue;
let dependencies: IngestDependencies;
let output: CapturedOutput;

beforeEach(() => {
  queue = new InMemoryWebhookQueue();
  dependencies = { secrets: staticSigningSecrets(FIXTURE_SECRET), queue, maxBodyBytes: 256 * 1024, maxEventAgeSeconds: 0 };
  output = captureOutput();
});

afterEach(() => output.restore());

async function answer(body: string | Buffer, options: SignedEventOptions = {}, overrides: Partial<IngestDependencies> = {}) {
  const handler = createIngestHandler({}, { dependencies: { ...dependencies, ...overrides } });
  const event = signedEvent(body, options);
  // As API Gateway passes text: exactly the string given, lone surrogates included.
  if (typeof body === 'string' && !event.isBase64Encoded && body !== '') event.body = body;
  const response = await handler(event, lambdaContext('ingest', 10_000));
  return { status: response.statusCode, body: parseResponseBody(response.body) };
}

describe('the ingest chain', () => {
  test.each(Object.entries(EXPECTED_INGEST_STATUS))('answers %s with %i', async (name, status) => {
    const response = await answer(readFixture(name), { signature: fixtureSignatures(name).hmac_raw });
    expect(response.status).toBe(status);
    expect(queue.messages).toHaveLength(status === 202 ? 1 : 0);
  });

  test('enqueues the body exactly as verified, with the ids and the distribution kind', async () => {
    const body = readFixture('segment-entered-unique-code.json');
    expect(await answer(body)).toEqual({ status: 202, body: { status: 'accepted', id: 'whs_0f3a9c27d41b8e5a63' } });
    expect(queue.messages).toEqual([
      {
        body,
        kind: 'unique_code',
        envelopeId: 'whs_0f3a9c27d41b8e5a63',
        eventId: 'evcus_0f3a9c27d41b8e5a61',
        distributionId: 'distr_8KqZt3WvLc0RbYn5HsPd2Ue6Xa',
      },
    ]);
  });

  test('accepts a base64-encoded body and enqueues its decoded text', async () => {
    const body = readFixture('segment-entered-promotion.json');
    expect((await answer(body, { base64: true })).status).toBe(202);
    expect(queue.messages[0]?.body).toBe(body);
  });

  test('ignores a valid envelope of another event type and says which', async () => {
    expect((await answer(readFixture('invalid-wrong-event-type.json'))).body).toMatchObject({
      status: 'ignored',
      reason: 'unhandled_event_type',
      event_type: 'customer.segment.entred',
    });
  });

  describe('refuses, before looking at the signature,', () => {
    test('a body over the size limit', async () => {
      const body = JSON.stringify({ padding: 'x'.repeat(2000) });
      expect(await answer(body, { signature: null }, { maxBodyBytes: 1024 })).toEqual({
        status: 413,
        body: { error: 'payload_too_large' },
      });
    });

    test('a base64 body whose decoded size is over the limit', async () => {
      const body = Buffer.alloc(1500, 0x20);
      expect((await answer(body, { base64: true, contentType: 'application/octet-stream' }, { maxBodyBytes: 1024 })).status).toBe(413);
    });

    test('a body that is not JSON by its content type', async () => {
      expect(await answer('{}', { contentType: 'text/plain', signature: null })).toEqual({
        status: 415,
        body: { error: 'unsupported_media_type' },
      });
    });
  });

  test('counts the size in bytes, not characters', async () => {
    const body = JSON.stringify({ name: 'ł'.repeat(600) });
    expect(body.length).toBeLessThan(1024);
    expect((await answer(body, {}, { maxBodyBytes: 1024 })).status).toBe(413);
  });

  test('accepts a body of exactly the size limit', async () => {
    const body = readFixture('segment-entered-minimal.json');
    expect((await answer(body, {}, { maxBodyBytes: Buffer.byteLength(body) })).status).toBe(202);
  });

  test.each([
    ['no signature header', null],
    ['an empty signature header', ''],
    ['a signature made with another secret', signatureFor(readFixture('segment-entered-minimal.json'), 'other')],
  ])('refuses %s as invalid_signature without enqueuing', async (_case, signature) => {
    expect(await answer(readFixture('segment-entered-minimal.json'), { signature })).toEqual({
      status: 401,
      body: { error: 'invalid_signature' },
    });
    expect(queue.messages).toHaveLength(0);
  });

  test('checks the signature before parsing: unsigned garbage is a 401, not a 400', async () => {
    expect((await answer('{"half', { signature: 'f'.repeat(64) })).status).toBe(401);
  });

  test('does not fetch the secret for a request without a usable signature', async () => {
    let fetched = 0;
    const secrets = {
      current: async () => {
        fetched++;
        return [FIXTURE_SECRET];
      },
    };
    expect((await answer('{}', { signature: 'nope' }, { secrets })).status).toBe(401);
    expect(fetched).toBe(0);
  });

  test.each([
    ['an empty body', ''],
    ['truncated JSON', '{"id": "whs_1", "data": {'],
    ['a JSON array', '[1,2,3]'],
    ['a JSON string', '"hello"'],
    ['JSON null', 'null'],
    ['a lone surrogate', '{"id":"\ud800"}'],
  ])('refuses %s as malformed_json once signed', async (_case, body) => {
    expect(await answer(body)).toEqual({ status: 400, body: { error: 'malformed_json' } });
  });

  test('refuses a base64 body that is not valid UTF-8 as malformed_json', async () => {
    const bytes = Buffer.concat([Buffer.from('{"id":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    expect(await answer(bytes, { base64: true, contentType: 'application/octet-stream; x=1' })).toMatchObject({ status: 415 });
    const handler = createIngestHandler({}, { dependencies });
    const event = { ...signedEvent(Buffer.alloc(0)), body: bytes.toString('base64'), isBase64Encoded: true };
    event.headers['x-voucherify-signature'] = signatureFor(bytes, FIXTURE_SECRET);
    const response = await handler(event, lambdaContext('ingest', 10_000));
    expect(response.statusCode).toBe(400);
    expect(parseResponseBody(response.body)).toEqual({ error: 'malformed_json' });
  });

  test('refuses an invalid payload with the failing paths', async () => {
    expect(await answer(readFixture('invalid-segment-without-id.json'))).toEqual({
      status: 422,
      body: { error: 'invalid_payload', issues: [{ path: 'data.segment.id', message: 'is required' }] },
    });
  });

  test("accepts __proto__ and constructor.prototype keys, which Middy's parser refuses, as data", async () => {
    const document = JSON.parse(readFixture('segment-entered-minimal.json')) as Record<string, any>;
    const body = JSON.stringify(document).replace('"customer":{', '"customer":{"__proto__":{"x":1},"constructor":{"prototype":{"x":1}},');
    expect((await answer(body)).status).toBe(202);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(queue.messages[0]?.body).toBe(body);
  });

  describe('replay guard', () => {
    const body = readFixture('segment-entered-minimal.json');
    const createdAt = Date.parse((JSON.parse(body) as { created_at: string }).created_at);

    test('is off when its age is 0: an old send-out is accepted', async () => {
      expect((await answer(body, {}, { now: () => createdAt + 400 * 86_400_000 })).status).toBe(202);
    });

    test('ignores a send-out older than the configured age', async () => {
      const response = await answer(body, {}, { maxEventAgeSeconds: 3600, now: () => createdAt + 3601_000 });
      expect(response).toMatchObject({ status: 200, body: { status: 'ignored', reason: 'stale_event' } });
      expect(queue.messages).toHaveLength(0);
    });

    test('accepts a send-out within the configured age', async () => {
      expect((await answer(body, {}, { maxEventAgeSeconds: 3600, now: () => createdAt + 60_000 })).status).toBe(202);
    });

    test('refuses an unreadable created_at when the guard is on', async () => {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      parsed.created_at = 'yesterday';
      expect(await answer(JSON.stringify(parsed), {}, { maxEventAgeSeconds: 3600 })).toMatchObject({
        status: 422,
        body: { error: 'invalid_payload', issues: [{ path: 'created_at' }] },
      });
    });
  });

  test('answers 503 when the queue fails, so nothing is acknowledged and Voucherify retries', async () => {
    queue.failWith = new QueueUnavailableError('down');
    expect(await answer(readFixture('segment-entered-minimal.json'))).toEqual({ status: 503, body: { error: 'unavailable' } });
  });

  test('fails closed when no secret is configured', async () => {
    const response = await answer(readFixture('segment-entered-minimal.json'), {}, { secrets: staticSigningSecrets(undefined) });
    expect(response).toEqual({ status: 500, body: { error: 'server_misconfigured' } });
    expect(queue.messages).toHaveLength(0);
  });

  test('answers 500 internal_error, with nothing of the cause, when something unexpected breaks', async () => {
    const secrets = { current: async (): Promise<string[]> => Promise.reject(new TypeError('secret store exploded: s3cr3t')) };
    const response = await answer(readFixture('segment-entered-minimal.json'), {}, { secrets });
    expect(response).toEqual({ status: 500, body: { error: 'internal_error' } });
  });
});
