/**
 * The ingest handler end to end against a real SQS-compatible server (fauxqs over HTTP): every
 * status row of the ingest contract, what arrives on the queue, and what logs and metrics say.
 */
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createIngestHandler, type IngestHandler } from '../functions/ingest/ingestHandler.ts';
import { MESSAGE_ATTRIBUTE } from '../functions/shared/webhookContract.ts';
import { lambdaContext } from '../local/lambdaEvents.ts';
import { localAwsEnvironment } from '../local/localAws.ts';
import { type LocalSqs, startLocalSqs } from '../local/localSqs.ts';
import { type CapturedOutput, captureOutput, setEnvironment } from './support/captureOutput.ts';
import { EXPECTED_INGEST_STATUS, FIXTURE_SECRET, fixtureSignatures, readFixture } from './support/fixtures.ts';
import { parseResponseBody, signedEvent, signedFixtureEvent } from './support/webhookRequests.ts';

const QUEUE = 'ingest-test';
let sqs: LocalSqs;
let client: SQSClient;
let restoreEnvironment: () => void;
let output: CapturedOutput;

const handlerEnvironment = (overrides: Record<string, string> = {}) => ({
  QUEUE_URL: sqs.queueUrl(QUEUE),
  VOUCHERIFY_WEBHOOK_SECRET: FIXTURE_SECRET,
  // The fixtures are dated and posted as they are; the replay guard has tests of its own.
  MAX_EVENT_AGE_SECONDS: '0',
  ...overrides,
});

const invoke = (handler: IngestHandler, event: Parameters<IngestHandler>[0]) => handler(event, lambdaContext('ingest', 10_000));

async function drainQueue() {
  const received = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: sqs.queueUrl(QUEUE),
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageAttributeNames: ['All'],
    }),
  );
  return received.Messages ?? [];
}

beforeAll(async () => {
  sqs = await startLocalSqs({ queues: [{ name: QUEUE }] });
  client = sqs.client();
  restoreEnvironment = setEnvironment({ ...localAwsEnvironment({ sqs: sqs.endpoint }), POWERTOOLS_LOG_LEVEL: 'INFO' });
});

afterAll(async () => {
  client.destroy();
  await sqs.stop();
  restoreEnvironment();
});

beforeEach(() => {
  output = captureOutput();
});

afterEach(async () => {
  output.restore();
  await drainQueue();
});

describe('the ingest handler with a real local SQS', () => {
  test.each(Object.entries(EXPECTED_INGEST_STATUS))('answers %s with %i and a JSON body', async (name, status) => {
    const handler = createIngestHandler(handlerEnvironment());
    const response = await invoke(handler, signedFixtureEvent(name, { signature: fixtureSignatures(name).hmac_raw }));
    expect(response.statusCode).toBe(status);
    expect(response.headers?.['content-type']).toBe('application/json');
    const body = parseResponseBody(response.body);
    if (status === 202) expect(body).toEqual({ status: 'accepted', id: JSON.parse(readFixture(name)).id });
    if (status === 200) expect(body).toMatchObject({ status: 'ignored', reason: 'unhandled_event_type' });
    if (status === 422)
      expect(body).toMatchObject({ error: 'invalid_payload', issues: [expect.objectContaining({ path: expect.any(String) })] });
    if (status === 400) expect(body).toEqual({ error: 'malformed_json' });
    expect(await drainQueue()).toHaveLength(status === 202 ? 1 : 0);
  });

  test('puts the body exactly as verified on the queue, with its attributes', async () => {
    const handler = createIngestHandler(handlerEnvironment());
    const body = readFixture('segment-entered-unique-code.json');
    await invoke(handler, signedEvent(body));
    const [message, ...others] = await drainQueue();
    expect(others).toHaveLength(0);
    expect(message?.Body).toBe(body);
    expect(message?.MessageAttributes).toEqual({
      [MESSAGE_ATTRIBUTE.envelopeId]: { DataType: 'String', StringValue: 'whs_0f3a9c27d41b8e5a63' },
      [MESSAGE_ATTRIBUTE.eventId]: { DataType: 'String', StringValue: 'evcus_0f3a9c27d41b8e5a61' },
      [MESSAGE_ATTRIBUTE.distributionKind]: { DataType: 'String', StringValue: 'unique_code' },
      [MESSAGE_ATTRIBUTE.distributionId]: { DataType: 'String', StringValue: 'distr_8KqZt3WvLc0RbYn5HsPd2Ue6Xa' },
    });
  });

  test('accepts a base64-encoded body and enqueues the decoded text', async () => {
    const handler = createIngestHandler(handlerEnvironment());
    const body = readFixture('segment-entered-promotion.json');
    const response = await invoke(handler, signedEvent(body, { base64: true }));
    expect(response.statusCode).toBe(202);
    expect((await drainQueue())[0]?.Body).toBe(body);
  });

  test('reads headers whatever their case when the caller is not API Gateway', async () => {
    const handler = createIngestHandler(handlerEnvironment());
    const event = signedFixtureEvent('segment-entered-minimal.json');
    const signature = event.headers['x-voucherify-signature'] as string;
    const response = await invoke(handler, {
      ...event,
      headers: { 'X-Voucherify-Signature': signature, 'Content-Type': 'application/json' },
    });
    expect(response.statusCode).toBe(202);
  });

  test.each([
    ['no signature header', { signature: null }],
    ['a wrong signature', { signature: 'a'.repeat(64) }],
    ['a short signature', { signature: 'abc' }],
  ] as const)('answers 401 invalid_signature for %s', async (_case, options) => {
    const handler = createIngestHandler(handlerEnvironment());
    const response = await invoke(handler, signedFixtureEvent('segment-entered-minimal.json', options));
    expect(response.statusCode).toBe(401);
    expect(parseResponseBody(response.body)).toEqual({ error: 'invalid_signature' });
  });

  test('answers 413 payload_too_large over MAX_BODY_BYTES', async () => {
    const handler = createIngestHandler(handlerEnvironment({ MAX_BODY_BYTES: '1024' }));
    const response = await invoke(handler, signedFixtureEvent('segment-entered-plain-message.json'));
    expect(response.statusCode).toBe(413);
    expect(parseResponseBody(response.body)).toEqual({ error: 'payload_too_large' });
  });

  test('answers 415 unsupported_media_type for a non-JSON content type', async () => {
    const handler = createIngestHandler(handlerEnvironment());
    const response = await invoke(handler, signedFixtureEvent('segment-entered-minimal.json', { contentType: 'text/plain' }));
    expect(response.statusCode).toBe(415);
    expect(parseResponseBody(response.body)).toEqual({ error: 'unsupported_media_type' });
  });

  test('accepts a request with no content type', async () => {
    const handler = createIngestHandler(handlerEnvironment());
    const response = await invoke(handler, signedFixtureEvent('segment-entered-minimal.json', { contentType: null }));
    expect(response.statusCode).toBe(202);
  });

  test('answers 500 and never 2xx when no secret is configured, and logs why', async () => {
    const handler = createIngestHandler({ QUEUE_URL: sqs.queueUrl(QUEUE) });
    const response = await invoke(handler, signedFixtureEvent('segment-entered-minimal.json'));
    expect(response.statusCode).toBe(500);
    expect(parseResponseBody(response.body)).toEqual({ error: 'server_misconfigured' });
    expect(await drainQueue()).toHaveLength(0);
    const errorLine = output.json().find((line) => line.level === 'ERROR');
    expect(errorLine).toMatchObject({
      reason: 'server_misconfigured',
      error: expect.objectContaining({ name: 'SecretNotConfiguredError' }),
    });
  });

  test('answers 500 when the configuration is invalid, naming the variable in the log only', async () => {
    const handler = createIngestHandler(handlerEnvironment({ MAX_BODY_BYTES: 'lots' }));
    const response = await invoke(handler, signedFixtureEvent('segment-entered-minimal.json'));
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('MAX_BODY_BYTES');
    expect(output.text()).toContain('MAX_BODY_BYTES must be an integer');
  });

  test('counts an accepted webhook at INFO without writing a log line for it', async () => {
    const handler = createIngestHandler(handlerEnvironment());
    const response = await invoke(handler, signedFixtureEvent('segment-entered-promotion.json'));
    expect(response.statusCode).toBe(202);
    const lines = output.json();
    expect(lines.filter((line) => !('_aws' in line))).toEqual([]);
    expect(lines.find((line) => '_aws' in line)).toMatchObject({ WebhookAccepted: 1, Kind: 'promotion' });
  });

  test('at DEBUG, logs the accepted webhook with its envelope, event and distribution ids', async () => {
    const handler = createIngestHandler(handlerEnvironment({ POWERTOOLS_LOG_LEVEL: 'DEBUG' }));
    await invoke(handler, signedFixtureEvent('segment-entered-promotion.json'));
    const lines = output.json();
    expect(lines.find((line) => line.message === 'Webhook accepted')).toMatchObject({
      level: 'DEBUG',
      envelope_id: 'whs_0f3a9c27d41b8e5a62',
      event_id: 'evcus_0f3a9c27d41b8e5a60',
      distribution_id: 'distr_8KqZt3WvLc0RbYn5HsPd2Ue6Xa',
      kind: 'promotion',
      function_request_id: expect.any(String),
    });
  });

  test('emits a rejected metric with the reason as a dimension', async () => {
    const handler = createIngestHandler(handlerEnvironment());
    await invoke(handler, signedFixtureEvent('segment-entered-minimal.json', { signature: 'b'.repeat(64) }));
    const metric = output.json().find((line) => '_aws' in line) as Record<string, any>;
    expect(metric).toMatchObject({ WebhookRejected: 1, Reason: 'invalid_signature' });
    expect(metric._aws.CloudWatchMetrics[0].Dimensions[0]).toEqual(expect.arrayContaining(['service', 'Reason']));
  });

  test("does not carry one request's ids into the next request's log lines", async () => {
    const handler = createIngestHandler(handlerEnvironment({ POWERTOOLS_LOG_LEVEL: 'DEBUG' }));
    await invoke(handler, signedFixtureEvent('segment-entered-promotion.json'));
    expect(output.json().find((line) => line.message === 'Webhook accepted')).toHaveProperty('envelope_id');
    await invoke(handler, signedFixtureEvent('segment-entered-minimal.json', { signature: 'c'.repeat(64) }));
    const rejected = output.json().find((line) => line.message === 'Webhook rejected');
    expect(rejected).toBeDefined();
    expect(rejected).not.toHaveProperty('envelope_id');
  });
});

describe('the ingest handler when the queue is down', () => {
  test('answers 503 unavailable within its deadline and recovers when the queue is back', async () => {
    const downSqs = await startLocalSqs({ queues: [{ name: QUEUE }] });
    const restore = setEnvironment({ AWS_ENDPOINT_URL_SQS: downSqs.endpoint });
    try {
      const handler = createIngestHandler({
        QUEUE_URL: downSqs.queueUrl(QUEUE),
        VOUCHERIFY_WEBHOOK_SECRET: FIXTURE_SECRET,
        MAX_EVENT_AGE_SECONDS: '0',
        ENQUEUE_TIMEOUT_MS: '2000',
      });
      expect((await invoke(handler, signedFixtureEvent('segment-entered-minimal.json'))).statusCode).toBe(202);
      const port = downSqs.port;
      await downSqs.stop();

      const started = Date.now();
      const response = await invoke(handler, signedFixtureEvent('segment-entered-plain-message.json'));
      expect(response.statusCode).toBe(503);
      expect(parseResponseBody(response.body)).toEqual({ error: 'unavailable' });
      expect(Date.now() - started).toBeLessThan(9_000);
      expect(output.json().find((line) => line.level === 'ERROR')).toMatchObject({ reason: 'unavailable' });

      const back = await startLocalSqs({ port, queues: [{ name: QUEUE }] });
      try {
        const retried = await invoke(handler, signedFixtureEvent('segment-entered-plain-message.json'));
        expect(retried.statusCode).toBe(202);
      } finally {
        await back.stop();
      }
    } finally {
      restore();
    }
  });
});

describe('the ingest handler under a flood of forged requests', () => {
  test('answers, counts and logs every one of them, and enqueues nothing', async () => {
    const handler = createIngestHandler({ QUEUE_URL: 'http://127.0.0.1:9/000000000000/unused', VOUCHERIFY_WEBHOOK_SECRET: FIXTURE_SECRET });
    for (let i = 0; i < 50; i++) {
      const response = await invoke(handler, signedFixtureEvent('segment-entered-minimal.json', { signature: 'd'.repeat(64) }));
      expect(response.statusCode).toBe(401);
    }
    const lines = output.json();
    expect(lines.filter((line) => line.message === 'Webhook rejected' && line.reason === 'invalid_signature')).toHaveLength(50);
    const published = lines.filter((line) => '_aws' in line).reduce((sum, line) => sum + Number(line.WebhookRejected ?? 0), 0);
    expect(published).toBe(50);
  });
});
