/**
 * The distribute worker end to end against real local servers over the network: fauxqs (SQS),
 * dynalite (DynamoDB), aws-ses-v2-local (SES v2, through the real SESv2 client) and a node HTTP
 * server (the http channel's receiver). SQS events are built from messages actually received from
 * fauxqs, and each round deletes or releases them as Lambda's event source mapping would.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { sqsDeadLetterQueue } from '../functions/distribute/deadLetterQueue.ts';
import { createDistributeHandler, type DistributeHandlerOptions } from '../functions/distribute/distributeHandler.ts';
import { FORWARD_HEADERS } from '../functions/distribute/httpChannel.ts';
import { hmacSha256Hex } from '../functions/shared/hmacSha256.ts';
import { MESSAGE_ATTRIBUTE } from '../functions/shared/webhookContract.ts';
import { localAwsClientConfig, localAwsEnvironment } from '../local/localAws.ts';
import { type LocalDynamo, startLocalDynamo } from '../local/localDynamo.ts';
import { type LocalSes, startLocalSes } from '../local/localSes.ts';
import { type LocalSqs, startLocalSqs } from '../local/localSqs.ts';
import { type CapturedOutput, captureOutput, setEnvironment } from './support/captureOutput.ts';
import { DELIVERABLE_FIXTURES, readFixture } from './support/fixtures.ts';
import {
  type BatchHandler,
  drain,
  enqueueRaw,
  enqueueSendOut,
  nextRound,
  type QueueRef,
  runRound,
  runUntilEmpty,
} from './support/queueRounds.ts';
import { closedPort, type ScriptedHttpServer, sesErrorReply, startScriptedHttpServer } from './support/scriptedHttpServer.ts';
import { freshFixtureBody, sendOutBody } from './support/segmentEnteredWebhooks.ts';

const QUEUE = 'distribute-test';
const DLQ = 'distribute-test-dlq';
const MAX_RECEIVE_COUNT = 3;
const TABLE = 'distribute-test-idempotency';
const UNSUBSCRIBE_TABLE = 'worker-test-unsubscribes';
const FROM = 'hello@shop.example';
const FORWARD_SECRET = 'forward-test-secret';

let sqs: LocalSqs;
let dynamo: LocalDynamo;
let ses: LocalSes;
let sqsClient: SQSClient;
let queue: QueueRef;
let dlq: QueueRef;
let restoreEnvironment: () => void;
let output: CapturedOutput;

/** The worker's variables as the stack sets them, for the SES channel unless overridden. */
const workerEnvironment = (overrides: Record<string, string> = {}): Record<string, string | undefined> => ({
  ...process.env,
  DELIVERY_CHANNEL: 'ses',
  SENDER_ADDRESS: FROM,
  QUEUE_URL: queue.url,
  DEAD_LETTER_QUEUE_URL: dlq.url,
  IDEMPOTENCY_TABLE_NAME: TABLE,
  IDEMPOTENCY_LOCK_SECONDS: '25',
  UNSUBSCRIBE_URL: 'https://hooks.shop.example/unsubscribe',
  UNSUBSCRIBE_SECRET: 'worker-test-unsubscribe-secret',
  UNSUBSCRIBE_TABLE_NAME: UNSUBSCRIBE_TABLE,
  ...overrides,
});

const worker = (overrides: Record<string, string> = {}, options: DistributeHandlerOptions = {}): BatchHandler =>
  createDistributeHandler(workerEnvironment(overrides), options);

/** What the worker logged for each record: outcome and reason, in the order logged. */
const loggedOutcomes = () =>
  output
    .json()
    .filter((line) => typeof line.outcome === 'string')
    .map((line) => ({ outcome: line.outcome, ...(line.reason ? { reason: line.reason } : {}), envelope_id: line.envelope_id }));

const attributeValues = (attributes: Record<string, { StringValue?: string }> | undefined) =>
  Object.fromEntries(Object.entries(attributes ?? {}).map(([name, value]) => [name, value.StringValue]));

beforeAll(async () => {
  sqs = await startLocalSqs({
    queues: [
      { name: DLQ },
      { name: QUEUE, attributes: { VisibilityTimeout: '30' }, deadLetter: { queueName: DLQ, maxReceiveCount: MAX_RECEIVE_COUNT } },
    ],
  });
  dynamo = await startLocalDynamo();
  await dynamo.createIdempotencyTable(TABLE);
  await dynamo.createUnsubscribeTable(UNSUBSCRIBE_TABLE);
  ses = await startLocalSes();
  sqsClient = sqs.client();
  queue = { client: sqsClient, url: sqs.queueUrl(QUEUE), name: QUEUE };
  dlq = { client: sqsClient, url: sqs.queueUrl(DLQ), name: DLQ };
  // The handlers build their SDK clients from the environment, as on Lambda: only the endpoints differ.
  restoreEnvironment = setEnvironment({
    ...localAwsEnvironment({ sqs: sqs.endpoint, dynamodb: dynamo.endpoint, sesv2: ses.endpoint }),
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_METRICS_DISABLED: 'false',
  });
});

afterAll(async () => {
  restoreEnvironment();
  sqsClient.destroy();
  await Promise.all([sqs.stop(), dynamo.stop(), ses.stop()]);
});

beforeEach(async () => {
  await ses.clear();
  output = captureOutput();
});

afterEach(async () => {
  output.restore();
  await drain(queue);
  await drain(dlq);
});

describe('the distribute worker with SES', () => {
  test('the Lambda entry point, configured only by its environment, delivers every deliverable fixture once and skips the minimal one', async () => {
    const restore = setEnvironment(workerEnvironment());
    const { handler } = await import('../functions/distribute/handler.ts');
    restore();
    const bodies = Object.keys(DELIVERABLE_FIXTURES).map(freshFixtureBody);
    for (const body of [...bodies, readFixture('segment-entered-minimal.json')]) await enqueueSendOut(queue, body);

    const rounds = await runUntilEmpty(queue, handler);

    expect(rounds.flatMap((round) => round.failed)).toEqual([]);
    const mails = await ses.sentEmails();
    expect(mails).toHaveLength(4);
    for (const mail of mails)
      expect(mail).toMatchObject({ from: `"Example Shop" <${FROM}>`, destination: { to: ['alex.kowalski@example.com'] } });
    expect(mails.map((mail) => mail.subject).sort()).toEqual([
      'Alex, 10% off your first order is waiting for you',
      'Alex, thank you for being with us',
      'Alex, thank you for being with us',
      'Your code for 15% off, up to €50.00',
    ]);
    expect(mails.find((mail) => mail.subject.startsWith('Your code'))?.body.text).toContain('WELCOME-7QX2K9');
    expect(loggedOutcomes()).toContainEqual({ outcome: 'skipped', reason: 'no_contact', envelope_id: 'whs_0f3a9c27d41b8e5a64' });
    expect(await drain(dlq)).toHaveLength(0);
    const metrics = output.json().filter((line) => '_aws' in line);
    const delivered: Record<string, number> = {};
    for (const line of metrics.filter((candidate) => 'Delivered' in candidate)) {
      delivered[String(line.Kind)] = (delivered[String(line.Kind)] ?? 0) + Number(line.Delivered);
    }
    expect(delivered).toEqual({ plain_message: 2, promotion: 1, unique_code: 1 });
    expect(metrics).toContainEqual(expect.objectContaining({ Skipped: 1, Reason: 'no_contact', service: 'voucherify-webhook-distribute' }));
  });

  test('never logs a contact detail, a name or message content', async () => {
    const body = sendOutBody('unique_code', {
      customer: { name: 'Zoë Łukasiewicz', email: 'zoe.l@example.com', phone: '+48 600 100 200' },
    });
    await enqueueSendOut(queue, body);
    await runUntilEmpty(queue, worker());
    const logged = output.text();
    expect(loggedOutcomes()).toEqual([expect.objectContaining({ outcome: 'delivered' })]);
    for (const secret of ['zoe.l@example.com', 'Zoë', 'Łukasiewicz', '+48 600', 'WELCOME-7QX2K9', 'Your code for'])
      expect(logged).not.toContain(secret);
  });

  test('delivers a send-out that arrives three times only once, whether the copies share a batch or not', async () => {
    const handler = worker();
    const body = sendOutBody('promotion');
    await enqueueSendOut(queue, body);
    await enqueueSendOut(queue, body);
    await runUntilEmpty(queue, handler);
    await enqueueSendOut(queue, body);
    await runUntilEmpty(queue, handler);

    expect(await ses.sentEmails()).toHaveLength(1);
    const outcomes = loggedOutcomes().map(({ outcome, reason }) => (reason ? `${outcome}:${reason}` : outcome));
    expect(outcomes.filter((outcome) => outcome === 'delivered')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'skipped:duplicate')).toHaveLength(2);
  });

  test('puts a send-out SES throttled back on the queue as a new message, delayed, keeping its age, then delivers it once', async () => {
    const proxy = await startScriptedHttpServer({ proxyTo: ses.endpoint });
    // One SDK attempt, so the wait under test is the queue's; a configured rate, so no GetAccount call.
    const sesv2 = new SESv2Client({ ...localAwsClientConfig(), endpoint: proxy.url, maxAttempts: 1 });
    try {
      const handler = worker({ SEND_RATE_PER_SECOND: '100' }, { wiring: { sesv2 } });
      proxy.script(sesErrorReply(429, 'TooManyRequestsException'));
      await enqueueSendOut(queue, sendOutBody('unique_code'));

      const first = await runRound(queue, handler);
      const deferredAt = Date.now();
      // Handled, not failed: the record is back on the queue as a new message, so no receive is spent.
      expect(first?.failed).toEqual([]);
      expect(await ses.sentEmails()).toHaveLength(0);
      expect(await runRound(queue, handler)).toBeUndefined();

      const second = await nextRound(queue, handler);
      const [record] = second.event.Records;
      expect(second.failed).toEqual([]);
      expect(record?.attributes.ApproximateReceiveCount).toBe('1');
      expect(record?.messageAttributes.Deferrals?.stringValue).toBe('1');
      expect(record?.messageAttributes.FirstQueuedAt?.stringValue).toBe(first?.event.Records[0]?.attributes.SentTimestamp);
      // Delayed: it comes back no sooner than SQS's one-second step.
      expect(Date.now() - deferredAt).toBeGreaterThanOrEqual(900);
      expect(await ses.sentEmails()).toHaveLength(1);
      expect(await drain(dlq)).toEqual([]);
      expect(loggedOutcomes()).toEqual([
        expect.objectContaining({ outcome: 'deferred', reason: 'throttled' }),
        expect.objectContaining({ outcome: 'delivered' }),
      ]);
    } finally {
      sesv2.destroy();
      await proxy.stop();
    }
  });

  test('moves a poison record to the DLQ with its reason, at once, while its batch-mates are delivered', async () => {
    const handler = worker();
    const truncated = readFixture('invalid-truncated.json.txt');
    const withoutCustomer = readFixture('invalid-missing-customer.json');
    await enqueueSendOut(queue, sendOutBody('plain_message'));
    await enqueueRaw(queue, truncated, { [MESSAGE_ATTRIBUTE.envelopeId]: 'whs_truncated' });
    await enqueueRaw(queue, withoutCustomer, { [MESSAGE_ATTRIBUTE.envelopeId]: 'whs_no_customer' });
    await enqueueSendOut(queue, sendOutBody('unique_code'));

    const round = await runRound(queue, handler);

    expect(round?.event.Records).toHaveLength(4);
    expect(round?.failed).toEqual([]);
    expect(await ses.sentEmails()).toHaveLength(2);
    const deadLettered = (await drain(dlq)).map((message) => ({
      body: message.Body,
      attributes: attributeValues(message.MessageAttributes),
    }));
    expect(deadLettered).toHaveLength(2);
    expect(deadLettered).toContainEqual({
      body: truncated,
      attributes: { EnvelopeId: 'whs_truncated', FailureReason: 'malformed_body', FailureDetail: 'body is not a JSON object' },
    });
    expect(deadLettered).toContainEqual({
      body: withoutCustomer,
      attributes: { EnvelopeId: 'whs_no_customer', FailureReason: 'invalid_payload', FailureDetail: 'data.customer: is required' },
    });
  });

  test('moves a message SES rejects to the DLQ with the original attributes, and a redrive after the fix delivers it', async () => {
    const proxy = await startScriptedHttpServer({ proxyTo: ses.endpoint });
    const sesv2 = new SESv2Client({ ...localAwsClientConfig(), endpoint: proxy.url, maxAttempts: 1 });
    try {
      const handler = worker({ SEND_RATE_PER_SECOND: '100' }, { wiring: { sesv2 } });
      const body = sendOutBody('unique_code');
      proxy.script(sesErrorReply(400, 'MessageRejected'));
      await enqueueSendOut(queue, body);

      expect((await runRound(queue, handler))?.failed).toEqual([]);
      const [deadLetter, ...others] = await drain(dlq);
      expect(others).toHaveLength(0);
      expect(deadLetter?.Body).toBe(body);
      expect(attributeValues(deadLetter?.MessageAttributes)).toEqual({
        EnvelopeId: JSON.parse(body).id,
        EventId: 'evcus_0f3a9c27d41b8e5a61',
        DistributionKind: 'unique_code',
        DistributionId: 'distr_8KqZt3WvLc0RbYn5HsPd2Ue6Xa',
        FailureReason: 'delivery_rejected',
        FailureDetail: 'ses:MessageRejected:400',
      });

      // A redrive puts the message back as it is; the claim was given up, so it is delivered now.
      await enqueueRaw(queue, deadLetter?.Body ?? '', attributeValues(deadLetter?.MessageAttributes) as Record<string, string>);
      expect((await runRound(queue, handler))?.failed).toEqual([]);
      expect(await ses.sentEmails()).toHaveLength(1);
    } finally {
      sesv2.destroy();
      await proxy.stop();
    }
  });

  test('skips the minimal fixture as no_contact: acknowledged, not retried, nothing sent', async () => {
    await enqueueSendOut(queue, readFixture('segment-entered-minimal.json'));
    const round = await runRound(queue, worker());
    expect(round?.failed).toEqual([]);
    expect(await runRound(queue, worker())).toBeUndefined();
    expect(await ses.sentEmails()).toHaveLength(0);
    expect(await drain(dlq)).toHaveLength(0);
    expect(loggedOutcomes()).toEqual([{ outcome: 'skipped', reason: 'no_contact', envelope_id: 'whs_0f3a9c27d41b8e5a64' }]);
  });

  test('reports every record as failed and sends nothing while DynamoDB is unreachable', async () => {
    const dynamoDb = new DynamoDBClient({ ...localAwsClientConfig(), endpoint: `http://127.0.0.1:${await closedPort()}`, maxAttempts: 1 });
    try {
      const handler = worker({}, { wiring: { dynamoDb } });
      for (const kind of ['plain_message', 'promotion', 'unique_code'] as const) await enqueueSendOut(queue, sendOutBody(kind));

      const round = await runRound(queue, handler);

      expect(round?.failed).toHaveLength(3);
      expect(await ses.sentEmails()).toHaveLength(0);
      expect(loggedOutcomes().map(({ outcome, reason }) => `${outcome}:${reason}`)).toEqual(
        // The unsubscribe list is the first DynamoDB read: it fails first, before any claim.
        Array(3).fill('transient_failure:unsubscribe_list_unavailable'),
      );
      // Back with DynamoDB, the same records are delivered.
      await runUntilEmpty(queue, worker());
      expect(await ses.sentEmails()).toHaveLength(3);
    } finally {
      dynamoDb.destroy();
    }
  });

  test('leaves a poison record on the queue when the DLQ cannot take it, rather than lose it', async () => {
    const handler = worker({ DEAD_LETTER_QUEUE_URL: sqs.queueUrl('no-such-queue') });
    await enqueueRaw(queue, '{"not":"a webhook"}');
    const round = await runRound(queue, handler);
    expect(round?.failed).toHaveLength(1);
    expect(output.json().find((line) => line.outcome === 'permanent_failure')).toMatchObject({
      reason: 'invalid_payload',
      dead_lettered: false,
      dead_letter_detail: expect.stringMatching(/^sqs:/),
    });
  });

  test("a record that keeps failing transiently reaches the DLQ through the queue's own redrive policy", async () => {
    const sesv2 = new SESv2Client({ ...localAwsClientConfig(), endpoint: `http://127.0.0.1:${await closedPort()}`, maxAttempts: 1 });
    try {
      const handler = worker({ SEND_RATE_PER_SECOND: '100' }, { wiring: { sesv2 } });
      const body = sendOutBody('plain_message');
      await enqueueSendOut(queue, body);
      for (let receive = 1; receive <= MAX_RECEIVE_COUNT; receive++) expect((await runRound(queue, handler))?.failed).toHaveLength(1);
      expect(await runRound(queue, handler)).toBeUndefined();
      const [deadLetter] = await drain(dlq);
      expect(deadLetter?.Body).toBe(body);
      expect(deadLetter?.MessageAttributes).not.toHaveProperty(MESSAGE_ATTRIBUTE.failureReason);
    } finally {
      sesv2.destroy();
    }
  });

  test('a misconfigured worker reports every record as failed and says why once', async () => {
    const handler = worker({ DEAD_LETTER_QUEUE_URL: '' });
    await enqueueSendOut(queue, sendOutBody('plain_message'));
    expect((await runRound(queue, handler))?.failed).toHaveLength(1);
    expect(
      output
        .json()
        .filter((line) => line.level === 'ERROR')
        .map((line) => line.message),
    ).toEqual([
      'The distribute function is misconfigured; every record will be retried',
      'Misconfigured: every record of the batch is reported as failed',
    ]);
  });
});

describe('the distribute worker with the http channel', () => {
  let receiver: ScriptedHttpServer;
  beforeAll(async () => {
    receiver = await startScriptedHttpServer({ status: 200 });
  });
  afterAll(() => receiver.stop());

  test('puts a send-out the receiver throttles with 429 back on the queue for at least its Retry-After, then delivers it once', async () => {
    const handler = worker({ DELIVERY_CHANNEL: 'http', FORWARD_URL: `${receiver.url}/crm`, FORWARD_SIGNING_SECRET: FORWARD_SECRET });
    receiver.requests.length = 0;
    receiver.script({ status: 429, headers: { 'retry-after': '2' } });
    await enqueueSendOut(queue, sendOutBody('plain_message'));

    const first = await runRound(queue, handler);
    const deferredAt = Date.now();
    expect(first?.failed).toEqual([]);
    const second = await nextRound(queue, handler);
    expect(Date.now() - deferredAt).toBeGreaterThanOrEqual(1900);
    expect(second.failed).toEqual([]);
    expect(second.event.Records[0]?.attributes.ApproximateReceiveCount).toBe('1');
    expect(receiver.requests).toHaveLength(2);
    expect(await drain(dlq)).toEqual([]);
    expect(output.json()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ outcome: 'deferred', reason: 'throttled', detail: 'http:429', retry_after_ms: 2000 }),
      ]),
    );
  });

  test('retries a 500, then delivers once with a signature the receiver can verify, e-mail or not', async () => {
    const handler = worker({ DELIVERY_CHANNEL: 'http', FORWARD_URL: `${receiver.url}/crm`, FORWARD_SIGNING_SECRET: FORWARD_SECRET });
    const body = sendOutBody('plain_message', { customer: { email: null } });
    receiver.requests.length = 0;
    receiver.script({ status: 500 });
    await enqueueSendOut(queue, body);

    const rounds = await runUntilEmpty(queue, handler);

    expect(rounds.map((round) => round.failed.length)).toEqual([1, 0]);
    expect(receiver.requests).toHaveLength(2);
    const [, delivered] = receiver.requests;
    const timestamp = String(delivered?.headers[FORWARD_HEADERS.timestamp]);
    expect(delivered?.headers[FORWARD_HEADERS.signature]).toBe(
      `sha256=${hmacSha256Hex(`${timestamp}.${delivered?.body}`, FORWARD_SECRET)}`,
    );
    expect(receiver.requests.map((request) => request.headers[FORWARD_HEADERS.idempotencyKey])).toEqual([
      JSON.parse(body).id,
      JSON.parse(body).id,
    ]);
    expect(JSON.parse(delivered?.body ?? '{}')).toMatchObject({
      id: JSON.parse(body).id,
      to: null,
      customer_id: 'cust_7Hq2LmZpX4vN8sRkTb3WcY1d',
    });
  });

  test('signs with the secret it reads from Secrets Manager when given only its ARN', async () => {
    const secretArn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:forward';
    const secretsManager = await startScriptedHttpServer({
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({ ARN: secretArn, Name: 'forward', SecretString: ' from-secrets-manager ' }),
    });
    const restore = setEnvironment({ AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url });
    try {
      receiver.requests.length = 0;
      const handler = worker({ DELIVERY_CHANNEL: 'http', FORWARD_URL: `${receiver.url}/crm`, FORWARD_SIGNING_SECRET_ARN: secretArn });
      await enqueueSendOut(queue, sendOutBody('promotion'));
      await enqueueSendOut(queue, sendOutBody('unique_code'));
      await runUntilEmpty(queue, handler);

      expect(receiver.requests).toHaveLength(2);
      for (const request of receiver.requests) {
        const timestamp = String(request.headers[FORWARD_HEADERS.timestamp]);
        expect(request.headers[FORWARD_HEADERS.signature]).toBe(
          `sha256=${hmacSha256Hex(`${timestamp}.${request.body}`, 'from-secrets-manager')}`,
        );
      }
      // Fetched once, then served from the cache.
      expect(secretsManager.requests).toHaveLength(1);
      expect(secretsManager.requests[0]?.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
      expect(JSON.parse(secretsManager.requests[0]?.body ?? '{}')).toEqual({ SecretId: secretArn });
    } finally {
      restore();
      await secretsManager.stop();
    }
  });

  test('moves a message the receiver refuses with a 4xx to the DLQ at once', async () => {
    const handler = worker({ DELIVERY_CHANNEL: 'http', FORWARD_URL: `${receiver.url}/crm`, FORWARD_SIGNING_SECRET: FORWARD_SECRET });
    receiver.script({ status: 422 });
    await enqueueSendOut(queue, sendOutBody('promotion'));
    expect((await runRound(queue, handler))?.failed).toEqual([]);
    const [deadLetter] = await drain(dlq);
    expect(attributeValues(deadLetter?.MessageAttributes)).toMatchObject({ FailureReason: 'delivery_rejected', FailureDetail: 'http:422' });
  });
});

describe('the distribute worker with the outbox channel', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'distribute-outbox-'));
  });
  afterEach(() => rm(directory, { recursive: true, force: true }));

  test('writes exactly one line per delivered send-out, duplicates and contactless customers excepted', async () => {
    const file = join(directory, 'local', 'outbox.jsonl');
    const handler = worker({ DELIVERY_CHANNEL: 'outbox', OUTBOX_FILE: file });
    const bodies = Object.keys(DELIVERABLE_FIXTURES).map(freshFixtureBody);
    for (const body of [...bodies, bodies[0]!, readFixture('segment-entered-minimal.json')]) await enqueueSendOut(queue, body);

    await runUntilEmpty(queue, handler);

    const lines = (await readFile(file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(4);
    expect(lines.map((line) => line.kind).sort()).toEqual(['plain_message', 'plain_message', 'promotion', 'unique_code']);
    expect(lines.find((line) => line.kind === 'unique_code')).toMatchObject({
      voucher_code: 'WELCOME-7QX2K9',
      to: 'alex.kowalski@example.com',
    });
  });
});

describe('the dead-letter queue', () => {
  test('keeps the body and attributes, and makes a detail SQS would refuse acceptable, shortened', async () => {
    const deadLetters = sqsDeadLetterQueue({ client: sqsClient, queueUrl: dlq.url, timeoutMs: 5000 });
    const webhook = {
      messageId: 'm-1',
      body: '{"id":"whs_1"}',
      attributes: {
        EnvelopeId: { DataType: 'String', StringValue: 'whs_1' },
        FirstQueuedAt: { DataType: 'String', StringValue: '1700000000000' },
        Deferrals: { DataType: 'String', StringValue: '3' },
      },
      firstQueuedAtMs: 1_700_000_000_000,
      deferrals: 3,
    };
    await deadLetters.send(webhook, { reason: 'invalid_payload', detail: `data.\u0000.\uD800: is required ${'x'.repeat(600)}` });
    const [message] = await drain(dlq);
    expect(message?.Body).toBe(webhook.body);
    const attributes = attributeValues(message?.MessageAttributes);
    expect(attributes).toMatchObject({ EnvelopeId: 'whs_1', FailureReason: 'invalid_payload' });
    // A redrive starts a fresh wait: the deferral bookkeeping stays behind.
    expect(attributes).not.toHaveProperty('FirstQueuedAt');
    expect(attributes).not.toHaveProperty('Deferrals');
    expect(attributes.FailureDetail).toMatch(/^data\.\uFFFD\.\uFFFD: is required x+$/);
    expect(attributes.FailureDetail).toHaveLength(500);
  });
});
