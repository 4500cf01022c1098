import { QueueUnavailableError, SecretNotConfiguredError } from '../functions/ingest/errors.ts';
import { isJsonMediaType, type ReceiveWebhookDependencies, receiveWebhook, type WebhookRequest } from '../functions/ingest/receiveWebhook.ts';
import { staticSigningSecrets } from '../functions/ingest/signingSecrets.ts';
import { signatureFor } from '../functions/ingest/verifySignature.ts';
import { EXPECTED_INGEST_STATUS, FIXTURE_SECRET, fixtureSignatures, readFixture } from './support/fixtures.ts';
import { InMemoryWebhookQueue } from './support/inMemoryQueue.ts';
import { REJECTION_STATUS } from '../functions/ingest/webhookResponse.ts';

let queue: InMemoryWebhookQueue;
let dependencies: ReceiveWebhookDependencies;

beforeEach(() => {
  queue = new InMemoryWebhookQueue();
  dependencies = { secrets: staticSigningSecrets(FIXTURE_SECRET), queue, maxBodyBytes: 256 * 1024, maxEventAgeSeconds: 0 };
});

const request = (body: string, overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
  body,
  isBase64Encoded: false,
  contentType: 'application/json',
  signature: signatureFor(body, FIXTURE_SECRET),
  ...overrides,
});

const statusOf = (outcome: Awaited<ReturnType<typeof receiveWebhook>>) =>
  outcome.outcome === 'accepted' ? 202 : outcome.outcome === 'ignored' ? 200 : REJECTION_STATUS[outcome.reason];

describe('receiveWebhook', () => {
  test.each(Object.entries(EXPECTED_INGEST_STATUS))('answers %s with %i', async (name, status) => {
    const body = readFixture(name);
    const outcome = await receiveWebhook(request(body, { signature: fixtureSignatures(name).hmac_raw }), dependencies);
    expect(statusOf(outcome)).toBe(status);
    expect(queue.messages).toHaveLength(status === 202 ? 1 : 0);
  });

  test('enqueues the body exactly as verified, with the ids and the distribution kind', async () => {
    const body = readFixture('segment-entered-unique-code.json');
    const outcome = await receiveWebhook(request(body), dependencies);
    expect(outcome).toEqual({
      outcome: 'accepted',
      kind: 'unique_code',
      envelopeId: 'whs_0f3a9c27d41b8e5a63',
      eventId: 'evcus_0f3a9c27d41b8e5a61',
      distributionId: 'distr_8KqZt3WvLc0RbYn5HsPd2Ue6Xa',
    });
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
    const outcome = await receiveWebhook(
      request(Buffer.from(body).toString('base64'), { isBase64Encoded: true, signature: signatureFor(body, FIXTURE_SECRET) }),
      dependencies,
    );
    expect(outcome.outcome).toBe('accepted');
    expect(queue.messages[0]?.body).toBe(body);
  });

  test('reports the envelope ids as soon as they are known', async () => {
    const identified: unknown[] = [];
    await receiveWebhook(request(readFixture('other-event-segment-left.json')), {
      ...dependencies,
      onIdentified: (identity) => identified.push(identity),
    });
    expect(identified).toEqual([
      { envelopeId: 'whs_0f3a9c27d41b8e5a77', eventId: 'evcus_0f3a9c27d41b8e5a77', distributionId: 'distr_2LwQx7Rt4Yp9Zk1Mn6Bv3Cs8Dh' },
    ]);
  });

  test('ignores a valid envelope of another event type and says which', async () => {
    const outcome = await receiveWebhook(request(readFixture('invalid-wrong-event-type.json')), dependencies);
    expect(outcome).toMatchObject({ outcome: 'ignored', reason: 'unhandled_event_type', eventType: 'customer.segment.entred' });
  });

  describe('refuses, before looking at the signature,', () => {
    test('a body over the size limit', async () => {
      const body = JSON.stringify({ padding: 'x'.repeat(2000) });
      const outcome = await receiveWebhook(request(body), { ...dependencies, maxBodyBytes: 1024 });
      expect(outcome).toEqual({ outcome: 'rejected', reason: 'payload_too_large' });
    });

    test('a base64 body whose decoded size is over the limit', async () => {
      const body = Buffer.alloc(1500, 0x20).toString('base64');
      const outcome = await receiveWebhook(request(body, { isBase64Encoded: true }), { ...dependencies, maxBodyBytes: 1024 });
      expect(outcome).toEqual({ outcome: 'rejected', reason: 'payload_too_large' });
    });

    test('a body that is not JSON by its content type', async () => {
      const outcome = await receiveWebhook(request('{}', { contentType: 'text/plain' }), dependencies);
      expect(outcome).toEqual({ outcome: 'rejected', reason: 'unsupported_media_type' });
    });
  });

  test('measures a base64 body after decoding, whatever its padding', async () => {
    const bytes = Buffer.alloc(1025, 0x20);
    const unpadded = bytes.toString('base64').replace(/=+$/, '');
    const outcome = await receiveWebhook(request(unpadded, { isBase64Encoded: true }), { ...dependencies, maxBodyBytes: 1024 });
    expect(outcome).toEqual({ outcome: 'rejected', reason: 'payload_too_large' });
  });

  test('counts the size in bytes, not characters', async () => {
    const body = JSON.stringify({ name: 'ł'.repeat(600) });
    expect(body.length).toBeLessThan(1024);
    const outcome = await receiveWebhook(request(body), { ...dependencies, maxBodyBytes: 1024 });
    expect(outcome).toEqual({ outcome: 'rejected', reason: 'payload_too_large' });
  });

  test('accepts a body of exactly the size limit', async () => {
    const body = readFixture('segment-entered-minimal.json');
    const outcome = await receiveWebhook(request(body), { ...dependencies, maxBodyBytes: Buffer.byteLength(body) });
    expect(outcome.outcome).toBe('accepted');
  });

  test.each([
    ['no signature header', undefined],
    ['an empty signature header', ''],
    ['a signature made with another secret', signatureFor(readFixture('segment-entered-minimal.json'), 'other')],
  ])('refuses %s as invalid_signature without enqueuing', async (_case, signature) => {
    const outcome = await receiveWebhook(request(readFixture('segment-entered-minimal.json'), { signature }), dependencies);
    expect(outcome).toEqual({ outcome: 'rejected', reason: 'invalid_signature' });
    expect(queue.messages).toHaveLength(0);
  });

  test('checks the signature before parsing: unsigned garbage is a 401, not a 400', async () => {
    const outcome = await receiveWebhook(request('{"half', { signature: 'f'.repeat(64) }), dependencies);
    expect(outcome).toEqual({ outcome: 'rejected', reason: 'invalid_signature' });
  });

  test('does not fetch the secret for a request without a usable signature', async () => {
    let fetched = 0;
    const outcome = await receiveWebhook(request('{}', { signature: 'nope' }), {
      ...dependencies,
      secrets: { current: async () => (fetched++, [FIXTURE_SECRET]) },
    });
    expect(outcome.outcome).toBe('rejected');
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
    const outcome = await receiveWebhook(request(body), dependencies);
    expect(outcome).toEqual({ outcome: 'rejected', reason: 'malformed_json' });
  });

  test('refuses a base64 body that is not valid UTF-8 as malformed_json', async () => {
    const bytes = Buffer.concat([Buffer.from('{"id":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const outcome = await receiveWebhook(
      request(bytes.toString('base64'), { isBase64Encoded: true, signature: signatureFor(bytes, FIXTURE_SECRET) }),
      dependencies,
    );
    expect(outcome).toEqual({ outcome: 'rejected', reason: 'malformed_json' });
  });

  test('refuses an invalid payload with the failing paths', async () => {
    const outcome = await receiveWebhook(request(readFixture('invalid-segment-without-id.json')), dependencies);
    expect(outcome).toEqual({
      outcome: 'rejected',
      reason: 'invalid_payload',
      issues: [{ path: 'data.segment.id', message: 'is required' }],
    });
  });

  describe('replay guard', () => {
    const body = readFixture('segment-entered-minimal.json');
    const createdAt = Date.parse((JSON.parse(body) as { created_at: string }).created_at);

    test('is off by default: an old send-out is accepted', async () => {
      const outcome = await receiveWebhook(request(body), { ...dependencies, now: () => createdAt + 400 * 86_400_000 });
      expect(outcome.outcome).toBe('accepted');
    });

    test('ignores a send-out older than the configured age', async () => {
      const outcome = await receiveWebhook(request(body), {
        ...dependencies,
        maxEventAgeSeconds: 3600,
        now: () => createdAt + 3601_000,
      });
      expect(outcome).toMatchObject({ outcome: 'ignored', reason: 'stale_event' });
      expect(queue.messages).toHaveLength(0);
    });

    test('accepts a send-out within the configured age', async () => {
      const outcome = await receiveWebhook(request(body), { ...dependencies, maxEventAgeSeconds: 3600, now: () => createdAt + 60_000 });
      expect(outcome.outcome).toBe('accepted');
    });

    test('refuses an unreadable created_at when the guard is on', async () => {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      parsed.created_at = 'yesterday';
      const outcome = await receiveWebhook(request(JSON.stringify(parsed)), { ...dependencies, maxEventAgeSeconds: 3600 });
      expect(outcome).toMatchObject({ outcome: 'rejected', reason: 'invalid_payload', issues: [{ path: 'created_at' }] });
    });
  });

  test('passes a queue failure on as an error so nothing is acknowledged', async () => {
    queue.failWith = new QueueUnavailableError('down');
    await expect(receiveWebhook(request(readFixture('segment-entered-minimal.json')), dependencies)).rejects.toBeInstanceOf(
      QueueUnavailableError,
    );
  });

  test('fails closed when no secret is configured', async () => {
    const outcome = receiveWebhook(request(readFixture('segment-entered-minimal.json')), {
      ...dependencies,
      secrets: staticSigningSecrets(undefined),
    });
    await expect(outcome).rejects.toBeInstanceOf(SecretNotConfiguredError);
    expect(queue.messages).toHaveLength(0);
  });
});

describe('isJsonMediaType', () => {
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
});
