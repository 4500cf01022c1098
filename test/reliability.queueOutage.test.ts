/**
 * Issue 6, "Faults": the queue unreachable, then back. The whole local pipeline runs over the
 * network (HTTP in, fauxqs, dynalite, the http channel's receiver); fauxqs's endpoint is taken
 * down and brought back on the same port with its stored messages kept, as an SQS outage looks to
 * its clients. Voucherify retries any non-2xx answer, so a 503 loses nothing as long as a 202 is
 * only ever given for a message SQS has stored.
 */
import { type CapturedOutput, captureOutput } from './support/captureOutput.ts';
import {
  deliveryCounts,
  eventually,
  newSendOuts,
  type ReliabilityPipeline,
  startReliabilityPipeline,
} from './support/reliabilityPipeline.ts';

let output: CapturedOutput;
let pipeline: ReliabilityPipeline;

beforeAll(async () => {
  output = captureOutput();
  // One poller per send-out in flight, so all of them are being delivered at once, as Lambda scales out.
  pipeline = await startReliabilityPipeline({ stack: { workerConcurrency: 4 } });
});
afterAll(async () => {
  await pipeline?.stop();
  output.restore();
});

const outcomesOf = (id: string): string[] =>
  output
    .json()
    .filter((line) => line.envelope_id === id && typeof line.outcome === 'string')
    .map((line) => [line.outcome, line.reason].filter(Boolean).join(':'));

describe('the queue unreachable, then back', () => {
  test('webhooks get 503 while SQS is down and 202 once it is back; each 202 is delivered exactly once, and each 503 once Voucherify re-posts it', async () => {
    const { stack, receiver } = pipeline;
    const inFlight = newSendOuts(4, 'in-flight');
    const refused = newSendOuts(4, 'refused');
    const afterwards = newSendOuts(4, 'afterwards');

    // Accepted, and being delivered (the receiver holds the requests) when the queue goes away.
    receiver.hold();
    expect(await pipeline.post(inFlight)).toEqual([202, 202, 202, 202]);
    await eventually('the first send-outs reached the receiver', () => receiver.held === inFlight.length);

    await stack.sqs.interrupt();
    // Delivered and recorded in DynamoDB, but the worker cannot delete them from the queue now.
    receiver.release();
    const whileDown = await Promise.all(refused.map((sendOut) => pipeline.client.post(sendOut.body)));
    expect(whileDown.map((response) => response.status)).toEqual([503, 503, 503, 503]);
    for (const response of whileDown) expect(JSON.parse(response.body)).toEqual({ error: 'unavailable' });
    await eventually(
      'the worker gave up deleting the delivered send-outs',
      () => pipeline.batches.reduce((sum, batch) => sum + (batch.notDeleted ?? 0), 0) === inFlight.length,
    );

    await stack.sqs.resume();
    expect(await pipeline.post(afterwards)).toEqual([202, 202, 202, 202]);
    // Voucherify retries what it got a 503 for.
    expect(await pipeline.post(refused)).toEqual([202, 202, 202, 202]);

    const all = [...inFlight, ...refused, ...afterwards];
    await eventually('every send-out delivered', () => deliveryCounts(receiver, all).every((count) => count >= 1), 30_000);
    // The unacknowledged first batch comes back after the visibility timeout and must be dropped then.
    await eventually('the unacknowledged send-outs came back and were dropped', () =>
      inFlight.every((sendOut) => outcomesOf(sendOut.id).includes('skipped:duplicate')),
    );
    await stack.waitUntilDrained(20_000);

    expect(deliveryCounts(receiver, all)).toEqual(all.map(() => 1));
    for (const sendOut of inFlight) expect(outcomesOf(sendOut.id)).toEqual(['delivered', 'skipped:duplicate']);
    for (const sendOut of [...refused, ...afterwards]) expect(outcomesOf(sendOut.id)).toEqual(['delivered']);
    expect((await stack.queueDepths()).deadLettered).toBe(0);
  }, 45_000);
});
