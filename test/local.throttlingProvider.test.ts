/**
 * The throttling provider of `npm run load -- --provider-rate R`: its token bucket, the http
 * flavour as the http channel's receiver, and the ses flavour on SES v2's real protocol, read
 * through the real SESv2 client so the worker sees what it would see from SES.
 */
import { GetAccountCommand, SESv2Client, type SESv2ServiceException, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { FORWARD_HEADERS, forwardSignature, httpChannel } from '../functions/distribute/httpChannel.ts';
import { sesChannel } from '../functions/distribute/sesChannel.ts';
import { localAwsClientConfig } from '../local/localAws.ts';
import { HTTP_MESSAGES_PATH, startThrottlingProvider, type ThrottlingProvider } from '../local/throttlingProvider.ts';
import { startThrottlingProviderProcess } from '../local/throttlingProviderProcess.ts';
import { tokenBucket } from '../local/tokenBucket.ts';
import { renderedSendOut } from './support/segmentEnteredWebhooks.ts';

const SECRET = 'provider-test-secret';

/** A clock the test moves by hand, so the bucket's answers do not depend on how fast the test runs. */
function manualClock(startMs = 1_000_000) {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
}

describe('the token bucket', () => {
  test('lets a full bucket through at once, then holds callers to the rate', () => {
    const bucket = tokenBucket({ ratePerSecond: 10, capacity: 3 });
    expect([0, 0, 0, 0].map((at) => bucket.tryTake(at))).toEqual([true, true, true, false]);
    // A tenth of a second refills one token at 10 per second.
    expect(bucket.tryTake(50)).toBe(false);
    expect(bucket.tryTake(100)).toBe(true);
    expect(bucket.tryTake(100)).toBe(false);
  });

  test('refills no further than its capacity however long it was idle', () => {
    const bucket = tokenBucket({ ratePerSecond: 10, capacity: 2 });
    bucket.tryTake(0);
    expect([60_000, 60_000, 60_000].map((at) => bucket.tryTake(at))).toEqual([true, true, false]);
  });

  test('refills nothing while the clock steps back', () => {
    const bucket = tokenBucket({ ratePerSecond: 10, capacity: 1 });
    expect(bucket.tryTake(1000)).toBe(true);
    expect(bucket.tryTake(500)).toBe(false);
    expect(bucket.tryTake(1050)).toBe(false);
    expect(bucket.tryTake(1100)).toBe(true);
  });
});

describe('the http flavour', () => {
  let provider: ThrottlingProvider;
  const clock = manualClock();

  beforeAll(async () => {
    provider = await startThrottlingProvider({ flavour: 'http', ratePerSecond: 2, burst: 2, signingSecret: SECRET, now: clock.now });
  });
  afterAll(() => provider.stop());

  test('accepts the http channel’s signed messages within the rate and answers 429 with Retry-After: 1 above it', async () => {
    const channel = httpChannel({ url: new URL(provider.url), signingSecret: async () => SECRET, timeoutMs: 2000 });
    const messages = [1, 2, 3].map((n) => renderedSendOut('plain_message', { id: `whs_burst${n}` }));
    await expect(channel.deliver(messages[0]!)).resolves.toEqual({ reference: 'http:202' });
    await expect(channel.deliver(messages[1]!)).resolves.toEqual({ reference: 'http:202' });
    await expect(channel.deliver(messages[2]!)).rejects.toMatchObject({ detail: 'http:429' });

    // What the channel got above the rate, read directly.
    const above = await signedPost(provider.url, messages[2]!.envelopeId);
    expect({ status: above.status, retryAfter: above.headers.get('retry-after') }).toEqual({ status: 429, retryAfter: '1' });

    clock.advance(500);
    await expect(channel.deliver(messages[2]!)).resolves.toEqual({ reference: 'http:202' });
    expect(provider.deliveries.map(({ sendOutId, eventId }) => ({ sendOutId, eventId }))).toEqual(
      messages.map((message) => ({ sendOutId: message.envelopeId, eventId: message.eventId })),
    );
    expect(provider.throttledAtMs).toHaveLength(2);
    expect(provider.refused).toBe(0);
  });

  test('refuses a message whose signature does not verify, without taking from the rate', async () => {
    clock.advance(10_000);
    const forged = await fetch(provider.url, {
      method: 'POST',
      headers: { [FORWARD_HEADERS.timestamp]: '1', [FORWARD_HEADERS.signature]: 'sha256=00', [FORWARD_HEADERS.idempotencyKey]: 'whs_x' },
      body: JSON.stringify({ id: 'whs_x' }),
    });
    expect(forged.status).toBe(401);
    expect(provider.refused).toBe(1);
    const before = provider.deliveries.length;
    await httpChannel({ url: new URL(provider.url), signingSecret: async () => SECRET, timeoutMs: 2000 }).deliver(
      renderedSendOut('promotion', { id: 'whs_after_forgery' }),
    );
    expect(provider.deliveries.slice(before).map((delivery) => delivery.sendOutId)).toEqual(['whs_after_forgery']);
  });
});

/** A message signed as the http channel signs it, posted directly so the test can read the answer's headers. */
async function signedPost(url: string, id: string): Promise<Response> {
  const body = JSON.stringify({ id, event_id: 'evcus_direct' });
  const timestamp = '1700000000';
  return fetch(url, {
    method: 'POST',
    headers: {
      [FORWARD_HEADERS.timestamp]: timestamp,
      [FORWARD_HEADERS.signature]: forwardSignature(timestamp, body, SECRET),
      [FORWARD_HEADERS.idempotencyKey]: id,
    },
    body,
  });
}

describe('the ses flavour, through the real SESv2 client', () => {
  let provider: ThrottlingProvider;
  let client: SESv2Client;
  const clock = manualClock();

  beforeAll(async () => {
    provider = await startThrottlingProvider({ flavour: 'ses', ratePerSecond: 5, burst: 1, now: clock.now });
    // One attempt: the SDK's own retries would hide the first answer.
    client = new SESv2Client({ ...localAwsClientConfig(), endpoint: provider.url, maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await provider.stop();
  });

  test('answers GetAccount with the rate as MaxSendRate, sending enabled, out of the sandbox', async () => {
    const account = await client.send(new GetAccountCommand({}));
    expect(account).toMatchObject({
      SendingEnabled: true,
      ProductionAccessEnabled: true,
      SendQuota: { MaxSendRate: 5, Max24HourSend: 5 * 86_400 },
    });
  });

  test('accepts SendEmail within the rate and throttles it above as TooManyRequestsException (HTTP 429)', async () => {
    const message = renderedSendOut('unique_code', { id: 'whs_ses1' });
    const channel = sesChannel({ client, fromAddress: 'hello@shop.example', configurationSet: undefined, timeoutMs: 2000 });
    const receipt = await channel.deliver(message);
    expect(receipt.reference).toMatch(/^[0-9a-f-]{36}$/);

    const input = { FromEmailAddress: 'hello@shop.example', Destination: { ToAddresses: ['a@example.com'] }, Content: { Simple: SIMPLE } };
    const throttled = await client
      .send(new SendEmailCommand({ ...input, EmailTags: [{ Name: 'envelope_id', Value: 'whs_ses2' }] }))
      .catch((error: SESv2ServiceException) => error);
    expect(throttled).toMatchObject({ name: 'TooManyRequestsException', message: 'Maximum sending rate exceeded.' });
    expect((throttled as SESv2ServiceException).$metadata.httpStatusCode).toBe(429);
    // The channel hands the same answer on as a failure worth retrying.
    await expect(channel.deliver(renderedSendOut('promotion', { id: 'whs_ses3' }))).rejects.toMatchObject({
      detail: 'ses:TooManyRequestsException:429',
    });

    clock.advance(200);
    await channel.deliver(renderedSendOut('promotion', { id: 'whs_ses3' }));
    expect(provider.deliveries.map((delivery) => delivery.sendOutId)).toEqual(['whs_ses1', 'whs_ses3']);
    expect(provider.throttledAtMs).toHaveLength(2);
  });

  test('refuses a send without the envelope_id tag, and paths SES v2 does not have, as SES would', async () => {
    clock.advance(10_000);
    const untagged = await client
      .send(
        new SendEmailCommand({
          FromEmailAddress: 'a@b.example',
          Destination: { ToAddresses: ['c@d.example'] },
          Content: { Simple: SIMPLE },
        }),
      )
      .catch((error: SESv2ServiceException) => error);
    expect(untagged).toMatchObject({ name: 'BadRequestException' });
    expect((await fetch(`${provider.url}${HTTP_MESSAGES_PATH}`, { method: 'POST' })).headers.get('x-amzn-errortype')).toBe(
      'NotFoundException',
    );
  });
});

describe('the provider in a process of its own', () => {
  test('serves the same protocol and brings its records over on sync', async () => {
    const provider = await startThrottlingProviderProcess({ flavour: 'http', ratePerSecond: 1, burst: 1, signingSecret: SECRET });
    try {
      const channel = httpChannel({ url: new URL(provider.url), signingSecret: async () => SECRET, timeoutMs: 2000 });
      await channel.deliver(renderedSendOut('plain_message', { id: 'whs_child1' }));
      await expect(channel.deliver(renderedSendOut('plain_message', { id: 'whs_child2' }))).rejects.toMatchObject({ detail: 'http:429' });
      expect(provider.deliveries).toHaveLength(0);
      await provider.sync();
      expect(provider.deliveries.map((delivery) => delivery.sendOutId)).toEqual(['whs_child1']);
      expect(provider.throttledAtMs).toHaveLength(1);
      // Only what is new comes over.
      await provider.sync();
      expect(provider.deliveries).toHaveLength(1);
    } finally {
      await provider.stop();
    }
  });
});

const SIMPLE = { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hello' } } };
