/**
 * The delivery channels: the exact requests they make, how they classify failures, and their
 * behaviour against real servers on loopback (aws-ses-v2-local through the real SESv2 client, a
 * node HTTP server for the http channel, the file system for the outbox).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { PermanentDeliveryError, ThrottledDeliveryError, TransientDeliveryError } from '../functions/distribute/errors.ts';
import { classifyHttpStatus, FORWARD_HEADERS, forwardRequest, httpChannel } from '../functions/distribute/httpChannel.ts';
import { outboxChannel } from '../functions/distribute/outboxChannel.ts';
import { classifySesError, sesChannel, sesSendEmailInput } from '../functions/distribute/sesChannel.ts';
import { hmacSha256Hex } from '../functions/shared/hmacSha256.ts';
import { localAwsClientConfig } from '../local/localAws.ts';
import { type LocalSes, startLocalSes } from '../local/localSes.ts';
import { closedPort, type ScriptedHttpServer, sesErrorReply, startScriptedHttpServer } from './support/scriptedHttpServer.ts';
import { renderedSendOut } from './support/segmentEnteredWebhooks.ts';

const FROM = 'hello@shop.example';
const CLASSES = { permanent: PermanentDeliveryError, transient: TransientDeliveryError, throttled: ThrottledDeliveryError } as const;

describe('the ses channel', () => {
  test('sends Simple content with subject, text and HTML in UTF-8, the configuration set and tags naming the send-out', () => {
    const message = renderedSendOut('unique_code', { id: 'whs_abc123' });
    expect(sesSendEmailInput({ ...message, to: 'alex@example.com' }, { fromAddress: FROM, configurationSet: 'transactional' })).toEqual({
      FromEmailAddress: '"Example Shop" <hello@shop.example>',
      Destination: { ToAddresses: ['alex@example.com'] },
      ReplyToAddresses: ['help@shop.example'],
      Content: {
        Simple: {
          Subject: { Data: message.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: message.text, Charset: 'UTF-8' }, Html: { Data: message.html, Charset: 'UTF-8' } },
          Headers: [
            { Name: 'List-Unsubscribe', Value: `<${message.unsubscribeUrl}>` },
            { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
          ],
        },
      },
      EmailTags: [
        { Name: 'envelope_id', Value: 'whs_abc123' },
        { Name: 'kind', Value: 'unique_code' },
        { Name: 'distribution_id', Value: 'distr_8KqZt3WvLc0RbYn5HsPd2Ue6Xa' },
      ],
      ConfigurationSetName: 'transactional',
    });
  });

  test('leaves the configuration set out when none is configured, and keeps tag values within what SES allows', () => {
    const message = renderedSendOut('plain_message', { id: 'whs_a.b/c:d' });
    const input = sesSendEmailInput({ ...message, to: 'a@example.com' }, { fromAddress: FROM, configurationSet: undefined });
    expect(input).not.toHaveProperty('ConfigurationSetName');
    expect(input.EmailTags?.[0]).toEqual({ Name: 'envelope_id', Value: 'whs_a_b_c_d' });
  });

  const sdkError = (name: string, status?: number) =>
    Object.assign(new Error(`${name}: the identity alex@example.com failed`), {
      name,
      ...(status ? { $metadata: { httpStatusCode: status } } : {}),
    });

  test.each([
    ['MessageRejected', 400, 'permanent'],
    ['BadRequestException', 400, 'permanent'],
    ['MailFromDomainNotVerifiedException', 400, 'permanent'],
    ['NotFoundException', 404, 'permanent'],
    ['Unknown', 400, 'permanent'],
    ['TooManyRequestsException', 429, 'throttled'],
    ['LimitExceededException', 400, 'throttled'],
    ['ThrottlingException', 400, 'throttled'],
    ['Unknown', 429, 'throttled'],
    ['SendingPausedException', 400, 'transient'],
    ['AccountSuspendedException', 400, 'transient'],
    ['InternalFailure', 500, 'transient'],
    ['Unknown', 503, 'transient'],
    ['TimeoutError', undefined, 'transient'],
    ['AbortError', undefined, 'transient'],
  ] as const)('classifies %s (HTTP %p) as %s', (name, status, expected) => {
    const classified = classifySesError(sdkError(name, status));
    expect(classified).toBeInstanceOf(CLASSES[expected]);
    // Throttling is a kind of transient failure; a plain transient one is not throttling.
    expect(classified instanceof ThrottledDeliveryError).toBe(expected === 'throttled');
    expect(classified.detail).toBe(`ses:${name}${status ? `:${status}` : ''}`);
    // The error's message can quote the recipient: it never becomes the detail.
    expect(classified.detail).not.toContain('@');
  });

  describe('through the real SESv2 client', () => {
    let ses: LocalSes;
    let proxy: ScriptedHttpServer;
    let client: SESv2Client;
    const channel = () => sesChannel({ client, fromAddress: FROM, configurationSet: 'transactional', timeoutMs: 2000 });

    beforeAll(async () => {
      ses = await startLocalSes();
      proxy = await startScriptedHttpServer({ proxyTo: ses.endpoint });
      // One attempt: the retries under test are the queue's, not the SDK's.
      client = new SESv2Client({ ...localAwsClientConfig(), endpoint: proxy.url, maxAttempts: 1 });
    });

    afterAll(async () => {
      client.destroy();
      await proxy.stop();
      await ses.stop();
    });

    beforeEach(async () => {
      proxy.requests.length = 0;
      await ses.clear();
    });

    test('delivers to aws-ses-v2-local and returns its message id', async () => {
      const message = renderedSendOut('promotion', { customer: { name: 'Zoë Łukasiewicz', email: 'zoe@example.com' } });
      const receipt = await channel().deliver(message);
      const [mail, ...others] = await ses.sentEmails();
      expect(others).toHaveLength(0);
      expect(mail).toMatchObject({
        messageId: receipt.reference,
        from: '"Example Shop" <hello@shop.example>',
        destination: { to: ['zoe@example.com'] },
        subject: 'Zoë, 10% off your first order is waiting for you',
        body: { text: message.text, html: message.html },
      });
      const wire = JSON.parse(proxy.requests[0]?.body ?? '{}') as Record<string, unknown>;
      expect(wire).toMatchObject({
        ConfigurationSetName: 'transactional',
        EmailTags: expect.arrayContaining([{ Name: 'envelope_id', Value: message.envelopeId }]),
      });
    });

    test.each([
      ['TooManyRequestsException', 429, 'throttled'],
      ['SendingPausedException', 400, 'transient'],
      ['InternalFailure', 500, 'transient'],
      ['MessageRejected', 400, 'permanent'],
      ['BadRequestException', 400, 'permanent'],
    ] as const)('turns an SES %s answer (HTTP %i) into a %s failure and sends nothing', async (errorType, status, expected) => {
      proxy.script(sesErrorReply(status, errorType));
      const failure = channel().deliver(renderedSendOut('plain_message'));
      await expect(failure).rejects.toBeInstanceOf(CLASSES[expected]);
      await expect(failure).rejects.toMatchObject({ detail: `ses:${errorType}:${status}` });
      expect(await ses.sentEmails()).toHaveLength(0);
    });

    test('reports an SES endpoint that refuses connections as transient', async () => {
      const unreachable = new SESv2Client({
        ...localAwsClientConfig(),
        endpoint: `http://127.0.0.1:${await closedPort()}`,
        maxAttempts: 1,
      });
      const failure = sesChannel({ client: unreachable, fromAddress: FROM, configurationSet: undefined, timeoutMs: 2000 }).deliver(
        renderedSendOut('plain_message'),
      );
      await expect(failure).rejects.toBeInstanceOf(TransientDeliveryError);
      unreachable.destroy();
    });
  });
});

describe('the http channel', () => {
  const SECRET = 'forward-secret';

  test('posts the normalised message with an idempotency key and a signature over the timestamp and body', () => {
    const message = renderedSendOut('unique_code', { id: 'whs_http1' });
    const { body, headers } = forwardRequest(message, SECRET, 1_700_000_000_999);
    expect(headers).toEqual({
      'content-type': 'application/json',
      'idempotency-key': 'whs_http1',
      'x-webhook-timestamp': '1700000000',
      'x-webhook-signature': `sha256=${hmacSha256Hex(`1700000000.${body}`, SECRET)}`,
    });
    expect(JSON.parse(body)).toEqual({
      id: 'whs_http1',
      event_id: 'evcus_0f3a9c27d41b8e5a61',
      kind: 'unique_code',
      customer_id: 'cust_7Hq2LmZpX4vN8sRkTb3WcY1d',
      customer_source_id: 'crm-000418',
      segment_id: 'seg_Vd9KpR2mQx7LtN4bHs6WcZ0e',
      distribution_id: 'distr_8KqZt3WvLc0RbYn5HsPd2Ue6Xa',
      from: '"Example Shop" <offers@shop.example>',
      from_name: 'Example Shop',
      reply_to: 'help@shop.example',
      to: 'alex.kowalski@example.com',
      headers: {
        'List-Unsubscribe': '<https://hooks.shop.example/unsubscribe?token=test>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
      unsubscribe_url: 'https://hooks.shop.example/unsubscribe?token=test',
      subject: message.subject,
      text: message.text,
      html: message.html,
      voucher_code: 'WELCOME-7QX2K9',
    });
  });

  test.each([
    [200, 'delivered'],
    [202, 'delivered'],
    [204, 'delivered'],
    [301, 'permanent'],
    [400, 'permanent'],
    [401, 'permanent'],
    [404, 'permanent'],
    [422, 'permanent'],
    [408, 'transient'],
    [429, 'throttled'],
    [500, 'transient'],
    [503, 'throttled'],
  ])('classifies HTTP %i as %s', (status, expected) => {
    expect(classifyHttpStatus(status)).toBe(expected);
  });

  describe('against a real HTTP server', () => {
    let receiver: ScriptedHttpServer;
    const channel = (timeoutMs = 2000) =>
      httpChannel({ url: new URL(`${receiver.url}/crm/hooks?tenant=1`), signingSecret: async () => SECRET, timeoutMs });

    beforeAll(async () => {
      receiver = await startScriptedHttpServer({ status: 200 });
    });
    afterAll(() => receiver.stop());
    beforeEach(() => {
      receiver.requests.length = 0;
    });

    test('delivers a signed POST the receiver can verify, even for a customer without an e-mail address', async () => {
      const message = renderedSendOut('plain_message', { customer: { email: null } });
      await expect(channel().deliver(message)).resolves.toEqual({ reference: 'http:200' });
      const [request] = receiver.requests;
      expect(request).toMatchObject({ method: 'POST', path: '/crm/hooks?tenant=1' });
      const timestamp = String(request?.headers[FORWARD_HEADERS.timestamp]);
      expect(request?.headers[FORWARD_HEADERS.signature]).toBe(`sha256=${hmacSha256Hex(`${timestamp}.${request?.body}`, SECRET)}`);
      expect(request?.headers[FORWARD_HEADERS.idempotencyKey]).toBe(message.envelopeId);
      expect(JSON.parse(request?.body ?? '{}')).toMatchObject({ id: message.envelopeId, to: null, kind: 'plain_message' });
    });

    test.each([
      [503, 'throttled'],
      [429, 'throttled'],
      [408, 'transient'],
      [500, 'transient'],
      [404, 'permanent'],
      [422, 'permanent'],
    ] as const)('turns HTTP %i into a %s failure naming the status', async (status, expected) => {
      receiver.script({ status, body: 'details about alex@example.com' });
      const failure = channel().deliver(renderedSendOut('promotion'));
      await expect(failure).rejects.toBeInstanceOf(CLASSES[expected]);
      await expect(failure).rejects.toMatchObject({ detail: `http:${status}` });
      expect((await failure.catch((error: unknown) => error)) instanceof ThrottledDeliveryError).toBe(expected === 'throttled');
    });

    test.each([
      ['seconds', '7', 7000],
      ['an HTTP date', new Date(1_700_000_030_000).toUTCString(), 30_000],
      ['more than SQS can delay', '86400', 15 * 60 * 1000],
      ['nothing readable', 'soon', undefined],
    ])('reads a Retry-After given as %s', async (_name, retryAfter, expectedMs) => {
      receiver.script({ status: 429, headers: { 'retry-after': retryAfter } });
      const throttled = httpChannel({
        url: new URL(`${receiver.url}/crm`),
        signingSecret: async () => SECRET,
        timeoutMs: 2000,
        now: () => 1_700_000_000_000,
      }).deliver(renderedSendOut('promotion'));
      await expect(throttled).rejects.toBeInstanceOf(ThrottledDeliveryError);
      await expect(throttled).rejects.toMatchObject({ retryAfterMs: expectedMs });
    });

    test('refuses, for good and with a reason, a message whose headers cannot be built, and sends nothing', async () => {
      // The contract keeps envelope ids to visible ASCII; a message from elsewhere may not.
      const message = { ...renderedSendOut('plain_message'), envelopeId: 'whs_ключ' };
      const failure = channel().deliver(message);
      await expect(failure).rejects.toBeInstanceOf(PermanentDeliveryError);
      await expect(failure).rejects.toMatchObject({ detail: 'http:invalid_header' });
      expect(receiver.requests).toHaveLength(0);
    });

    test('does not follow a redirect with the message: a moved URL is a permanent failure', async () => {
      receiver.script({ status: 301, headers: { location: `${receiver.url}/elsewhere` } });
      await expect(channel().deliver(renderedSendOut('plain_message'))).rejects.toMatchObject({ detail: 'http:301' });
      expect(receiver.requests).toHaveLength(1);
    });

    test('gives up on a slow receiver after the delivery timeout, as a transient failure', async () => {
      receiver.script({ status: 200, delayMs: 1000 });
      const failure = channel(100).deliver(renderedSendOut('plain_message'));
      await expect(failure).rejects.toBeInstanceOf(TransientDeliveryError);
      await expect(failure).rejects.toMatchObject({ detail: 'http:timeout' });
    });

    test('reports a receiver that refuses connections as transient', async () => {
      const unreachable = httpChannel({
        url: new URL(`http://127.0.0.1:${await closedPort()}/`),
        signingSecret: async () => SECRET,
        timeoutMs: 1000,
      });
      await expect(unreachable.deliver(renderedSendOut('plain_message'))).rejects.toMatchObject({
        name: 'TransientDeliveryError',
        detail: 'http:network',
      });
    });
  });
});

describe('the outbox channel', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'outbox-'));
  });
  afterEach(() => rm(directory, { recursive: true, force: true }));

  const readLines = async (file: string) =>
    (await readFile(file, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  test.each([
    ['plain_message', []],
    ['promotion', ['promotion_tier_id']],
    ['unique_code', ['voucher_code']],
  ] as const)('appends one line per %s with exactly the documented keys, creating the directory', async (kind, extraKeys) => {
    const file = join(directory, 'nested', 'outbox.jsonl');
    const message = renderedSendOut(kind);
    await outboxChannel({ file }).deliver(message);
    const [line, ...others] = await readLines(file);
    expect(others).toHaveLength(0);
    expect(Object.keys(line ?? {}).sort()).toEqual(
      [
        ...['event_id', 'kind', 'customer_id', 'segment_id', 'distribution_id', 'from', 'from_name', 'reply_to', 'to', 'headers'],
        ...['unsubscribe_url', 'subject', 'text', 'html', ...extraKeys],
      ].sort(),
    );
    expect(line).toMatchObject({
      kind,
      from: '"Example Shop" <offers@shop.example>',
      to: 'alex.kowalski@example.com',
      headers: { 'List-Unsubscribe': `<${message.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
    if (kind === 'unique_code') expect(line?.voucher_code).toBe('WELCOME-7QX2K9');
    if (kind === 'promotion') expect(line?.promotion_tier_id).toBe('promo_Mn4Bv7Cx2Zl9Kj5Hg1Fd8Sa3');
  });

  test('keeps every line whole when many deliveries append at once', async () => {
    const file = join(directory, 'outbox.jsonl');
    const channel = outboxChannel({ file });
    // Long lines (bigger than a pipe buffer) make interleaving visible if it ever happened.
    const messages = Array.from({ length: 40 }, (_, index) =>
      renderedSendOut('promotion', { customer: { id: `cust_${index}` }, promotionTier: { banner: 'x'.repeat(8000) } }),
    );
    await Promise.all(messages.map((message) => channel.deliver(message)));
    const lines = await readLines(file);
    expect(lines).toHaveLength(40);
    expect(new Set(lines.map((line) => line.customer_id)).size).toBe(40);
  });

  test('refuses a message without a recipient rather than write a line without one', async () => {
    const file = join(directory, 'outbox.jsonl');
    await expect(outboxChannel({ file }).deliver(renderedSendOut('plain_message', { customer: { email: null } }))).rejects.toBeInstanceOf(
      PermanentDeliveryError,
    );
  });
});
