/**
 * Issue 6, "Faults": the delivery channel throttling, failing with 5xx, timing out, refusing for
 * good, and losing its answer. Each case runs through the whole local pipeline over the network:
 * webhooks posted over HTTP to the API Gateway stand-in, the ingest, fauxqs, the event-source-
 * mapping stand-in, dynalite for the claims, and then a real HTTP receiver (http channel) or
 * aws-ses-v2-local behind a fault-injecting proxy (ses channel). Retries are the queue's own:
 * a transient failure is reported in batchItemFailures and comes back after the visibility timeout.
 */
import { MESSAGE_ATTRIBUTE } from '../functions/shared/webhookContract.ts';
import { type LocalSes, startLocalSes } from '../local/localSes.ts';
import { type CapturedOutput, captureOutput } from './support/captureOutput.ts';
import {
  attemptsByKey,
  deliveryCounts,
  eventually,
  FAST_DELIVERY_TIMEOUT_MS,
  newSendOuts,
  type ReliabilityPipeline,
  type SendOutCopy,
  startReliabilityPipeline,
  withoutTimeBudgetDeferrals,
} from './support/reliabilityPipeline.ts';
import {
  type ProxyReply,
  type RecordedRequest,
  type ScriptedHttpServer,
  type ScriptedReply,
  sesErrorReply,
  startScriptedHttpServer,
} from './support/scriptedHttpServer.ts';

let output: CapturedOutput;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => output.restore());

const attributeValues = (attributes: Record<string, { StringValue?: string }> | undefined) =>
  Object.fromEntries(Object.entries(attributes ?? {}).map(([name, value]) => [name, value.StringValue]));

/** What the worker logged for one send-out, in order: `outcome[:reason][:detail]`. */
const loggedOutcomes = (sendOut: SendOutCopy): string[] =>
  withoutTimeBudgetDeferrals(
    output
      .json()
      .filter((line) => line.envelope_id === sendOut.id && typeof line.outcome === 'string')
      .map((line) => [line.outcome, line.reason, line.detail].filter(Boolean).join(':')),
  );

/** Replies per key, used up in order; the fallback once they are. */
function faultsPer(
  key: (request: RecordedRequest) => string,
  faults: Map<string, (ScriptedReply | ProxyReply)[]>,
  fallback: ScriptedReply | ProxyReply,
) {
  return (request: RecordedRequest): ScriptedReply | ProxyReply => faults.get(key(request))?.shift() ?? fallback;
}

describe('the http channel failing', () => {
  let pipeline: ReliabilityPipeline;
  const sendOuts = newSendOuts(8, 'http');
  const [throttled, unavailable, failing, badGateway, timedOutByReceiver, tooSlow, refused] = sendOuts as [
    SendOutCopy,
    SendOutCopy,
    SendOutCopy,
    SendOutCopy,
    SendOutCopy,
    SendOutCopy,
    SendOutCopy,
  ];
  // One fault each, so every retry happens in the same round, a visibility timeout later.
  const faults = new Map<string, (ScriptedReply | ProxyReply)[]>([
    [throttled.id, [{ status: 429 }]],
    [unavailable.id, [{ status: 503 }]],
    [failing.id, [{ status: 500 }]],
    [badGateway.id, [{ status: 502 }]],
    [timedOutByReceiver.id, [{ status: 408 }]],
    // Answers 200, but only after the worker's delivery timeout: the attempt is abandoned, so it is no delivery.
    [tooSlow.id, [{ status: 200, delayMs: 2 * FAST_DELIVERY_TIMEOUT_MS }]],
    [refused.id, [{ status: 422 }]],
  ]);

  beforeAll(async () => {
    pipeline = await startReliabilityPipeline({
      receiver: faultsPer((request) => String(request.headers['idempotency-key']), faults, { status: 200 }),
    });
  });
  afterAll(() => pipeline.stop());

  test('defers throttling, retries 5xx and timeouts until delivered exactly once, and moves a permanent refusal to the DLQ while the others are delivered', async () => {
    expect(await pipeline.post(sendOuts)).toEqual(sendOuts.map(() => 202));

    const accepted = sendOuts.filter((sendOut) => sendOut !== refused);
    await eventually(
      'every accepted send-out delivered',
      () => deliveryCounts(pipeline.receiver, accepted).every((count) => count === 1),
      30_000,
    );
    await pipeline.stack.waitUntilDrained(20_000);

    expect(deliveryCounts(pipeline.receiver, sendOuts)).toEqual([1, 1, 1, 1, 1, 1, 0, 1]);
    const attempts = attemptsByKey(pipeline.receiver);
    expect(sendOuts.map((sendOut) => attempts.get(sendOut.id))).toEqual([2, 2, 2, 2, 2, 2, 1, 1]);

    const deadLetters = await pipeline.drainDeadLetters();
    expect(deadLetters.map((message) => ({ body: message.Body, attributes: attributeValues(message.MessageAttributes) }))).toEqual([
      {
        body: refused.body,
        attributes: expect.objectContaining({
          [MESSAGE_ATTRIBUTE.envelopeId]: refused.id,
          [MESSAGE_ATTRIBUTE.failureReason]: 'delivery_rejected',
          [MESSAGE_ATTRIBUTE.failureDetail]: 'http:422',
        }),
      },
    ]);

    // Throttling (429, 503) puts the record back on the queue as a new message: no receive spent, no failure reported.
    expect(loggedOutcomes(throttled)).toEqual(['deferred:throttled:http:429', 'delivered']);
    expect(loggedOutcomes(unavailable)).toEqual(['deferred:throttled:http:503', 'delivered']);
    expect(loggedOutcomes(failing)).toEqual(['transient_failure:delivery_unavailable:http:500', 'delivered']);
    expect(loggedOutcomes(tooSlow)).toEqual(['transient_failure:delivery_unavailable:http:timeout', 'delivered']);
    expect(loggedOutcomes(refused)).toEqual(['permanent_failure:delivery_rejected:http:422']);
    // Every other transient answer came back through the queue, reported in batchItemFailures.
    expect(pipeline.batches.reduce((sum, batch) => sum + batch.failed, 0)).toBe(4);
  }, 45_000);
});

describe('the ses channel failing, SES behind a fault-injecting proxy', () => {
  let ses: LocalSes;
  let proxy: ScriptedHttpServer;
  let pipeline: ReliabilityPipeline;
  const faults = new Map<string, (ScriptedReply | ProxyReply)[]>();
  const recipient = (request: RecordedRequest): string => {
    try {
      return String((JSON.parse(request.body) as { Destination?: { ToAddresses?: string[] } }).Destination?.ToAddresses?.[0]);
    } catch {
      return '';
    }
  };
  const mailsTo = async (sendOuts: readonly SendOutCopy[]) => {
    const mails = await ses.sentEmails();
    return sendOuts.map((sendOut) => mails.filter((mail) => mail.destination.to.includes(sendOut.email)).length);
  };

  beforeAll(async () => {
    ses = await startLocalSes();
    proxy = await startScriptedHttpServer(faultsPer(recipient, faults, { proxyTo: ses.endpoint }));
    pipeline = await startReliabilityPipeline({ stack: { channel: 'ses', sesEndpoint: proxy.url } });
  });
  afterAll(async () => {
    await pipeline.stop();
    await proxy.stop();
    await ses.stop();
  });
  beforeEach(() => ses.clear());

  test("retries throttling and 5xx (the SDK's retries, then the queue's) until each mail is sent exactly once, and moves a rejected one to the DLQ", async () => {
    const sendOuts = newSendOuts(5, 'ses');
    const [throttled, internalFailure, unavailable, rejected] = sendOuts as [SendOutCopy, SendOutCopy, SendOutCopy, SendOutCopy];
    // The SES client makes 3 attempts per call, backing off between them; three 429s exhaust one
    // invocation, so the queue retries. A single 500 is usually absorbed by the SDK's own retry.
    faults.set(
      throttled.email,
      Array.from({ length: 3 }, () => sesErrorReply(429, 'TooManyRequestsException')),
    );
    faults.set(internalFailure.email, [sesErrorReply(500, 'InternalFailure')]);
    faults.set(
      unavailable.email,
      Array.from({ length: 4 }, () => sesErrorReply(503, 'ServiceUnavailable')),
    );
    faults.set(rejected.email, [sesErrorReply(400, 'MessageRejected')]);

    expect(await pipeline.post(sendOuts)).toEqual(sendOuts.map(() => 202));
    const delivered = sendOuts.filter((sendOut) => sendOut !== rejected);
    await eventually('every accepted mail sent', async () => (await mailsTo(delivered)).every((count) => count === 1), 30_000);
    await pipeline.stack.waitUntilDrained(20_000);

    expect(await mailsTo(sendOuts)).toEqual([1, 1, 1, 0, 1]);
    const deadLetters = await pipeline.drainDeadLetters();
    expect(deadLetters.map((message) => attributeValues(message.MessageAttributes))).toEqual([
      expect.objectContaining({
        [MESSAGE_ATTRIBUTE.envelopeId]: rejected.id,
        [MESSAGE_ATTRIBUTE.failureReason]: 'delivery_rejected',
        [MESSAGE_ATTRIBUTE.failureDetail]: 'ses:MessageRejected:400',
      }),
    ]);
    // The SDK backs off between throttled attempts; when its back-off outlasts DELIVERY_TIMEOUT_MS
    // the call is aborted, so the outcome is a transient abort rather than the last 429 (deferred),
    // and on a busy machine the three 429s may take two invocations. Then one delivery.
    const throttledOutcomes = loggedOutcomes(throttled);
    expect(throttledOutcomes.at(-1)).toBe('delivered');
    expect(throttledOutcomes.length).toBeGreaterThan(1);
    for (const outcome of throttledOutcomes.slice(0, -1)) {
      expect(outcome).toMatch(
        /^(deferred:throttled:ses:TooManyRequestsException:429|transient_failure:delivery_unavailable:ses:AbortError)$/,
      );
    }
    expect(loggedOutcomes(rejected)).toEqual(['permanent_failure:delivery_rejected:ses:MessageRejected:400']);
  }, 45_000);

  test('sends a second copy when SES accepted a mail but its answer was lost (the residual risk RELIABILITY.md describes), and no third', async () => {
    const [lostAnswer] = newSendOuts(1, 'lost') as [SendOutCopy];
    faults.set(lostAnswer.email, [{ proxyTo: ses.endpoint, drop: true }]);

    expect(await pipeline.post([lostAnswer])).toEqual([202]);
    await eventually('the send-out completed', () => loggedOutcomes(lostAnswer).includes('delivered'), 20_000);
    await pipeline.stack.waitUntilDrained(20_000);

    // SES stored the first mail; the SDK saw a dropped connection and tried again. SendEmail has
    // no idempotency token, so nothing can tell SES the second request is the same mail.
    expect(await mailsTo([lostAnswer])).toEqual([2]);
    expect(loggedOutcomes(lostAnswer)).toEqual(['delivered']);
  }, 30_000);
});
