/**
 * Issue 6, "Faults": DynamoDB (the idempotency table) unavailable. The whole local pipeline runs
 * over the network (HTTP in, fauxqs, dynalite, the http channel's receiver); dynalite keeps its
 * data on disk and is restarted on the same port, as an outage of DynamoDB looks to its clients
 * (refused connections; nothing lost). The worker must never send without holding its claim.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CapturedOutput, captureOutput } from './support/captureOutput.ts';
import {
  deliveryCounts,
  eventually,
  FAST_TIMINGS,
  newSendOuts,
  type ReliabilityPipeline,
  type SendOutCopy,
  startReliabilityPipeline,
} from './support/reliabilityPipeline.ts';

let output: CapturedOutput;
let pipeline: ReliabilityPipeline;
let directory: string;

beforeAll(async () => {
  output = captureOutput();
  directory = mkdtempSync(join(tmpdir(), 'reliability-dynamo-'));
  pipeline = await startReliabilityPipeline({ stack: { dynamoDataDirectory: directory, workerConcurrency: 4 } });
});
afterAll(async () => {
  await pipeline?.stop();
  output.restore();
  rmSync(directory, { recursive: true, force: true });
});

/** What a record becomes while DynamoDB is down: whichever read fails first, the unsubscribe list's or the claim. */
const DYNAMODB_DOWN = /^transient_failure:(unsubscribe_list|idempotency)_unavailable$/;

const outcomesOf = (sendOut: SendOutCopy): string[] =>
  output
    .json()
    .filter((line) => line.envelope_id === sendOut.id && typeof line.outcome === 'string')
    .map((line) => [line.outcome, line.reason].filter(Boolean).join(':'));

describe('DynamoDB unavailable', () => {
  test('records fail and come back through the queue while it is down, none is sent without its idempotency record, and each is delivered once when it is back', async () => {
    const { stack, receiver } = pipeline;
    const earlier = newSendOuts(3, 'earlier');
    expect(await pipeline.post(earlier)).toEqual([202, 202, 202]);
    await eventually('the earlier send-outs delivered', () => deliveryCounts(receiver, earlier).every((n) => n === 1));
    await stack.waitUntilDrained(10_000);

    await stack.dynamo.interrupt();
    const sentBeforeOutage = receiver.requests.length;
    const waiting = newSendOuts(4, 'waiting');
    // The ingest needs no DynamoDB: new send-outs, and Voucherify re-sending the earlier ones, are accepted.
    expect(await pipeline.post([...waiting, ...earlier])).toEqual([202, 202, 202, 202, 202, 202, 202]);
    // Every record received at least twice: failed, reported in batchItemFailures, back after the visibility timeout.
    await eventually(
      'every record failed and was retried',
      () => [...waiting, ...earlier].every((sendOut) => outcomesOf(sendOut).filter((outcome) => DYNAMODB_DOWN.test(outcome)).length >= 2),
      30_000,
    );
    expect(receiver.requests.length).toBe(sentBeforeOutage);

    await stack.dynamo.resume();
    await eventually('the waiting send-outs delivered', () => deliveryCounts(receiver, waiting).every((n) => n === 1), 30_000);
    await stack.waitUntilDrained(20_000);

    expect(deliveryCounts(receiver, [...earlier, ...waiting])).toEqual([1, 1, 1, 1, 1, 1, 1]);
    for (const sendOut of waiting) {
      const outcomes = outcomesOf(sendOut);
      expect(outcomes.at(-1)).toBe('delivered');
      expect(outcomes.slice(0, -1).every((outcome) => DYNAMODB_DOWN.test(outcome))).toBe(true);
    }
    // The completions written before the outage survived the restart: the re-sent copies were dropped.
    for (const sendOut of earlier) expect(outcomesOf(sendOut).at(-1)).toBe('skipped:duplicate');
    expect((await stack.queueDepths()).deadLettered).toBe(0);
  }, 60_000);

  test('lost between a delivery and its record: delivered once and acknowledged, reported as DeliveryNotRecorded; a later re-send may then go out a second time, and says so', async () => {
    const { stack, receiver } = pipeline;
    const [sendOut] = newSendOuts(1, 'unrecorded') as [SendOutCopy];
    receiver.hold();
    expect(await pipeline.post([sendOut])).toEqual([202]);
    await eventually('the send-out reached the receiver', () => receiver.held === 1);
    await stack.dynamo.interrupt();
    receiver.release();

    await eventually('the worker reported the unrecorded delivery', () => outcomesOf(sendOut).includes('delivered'));
    await stack.waitUntilDrained(10_000);
    expect(deliveryCounts(receiver, [sendOut])).toEqual([1]);
    const logged = output.json().find((line) => line.envelope_id === sendOut.id && line.outcome === 'delivered');
    expect(logged).toMatchObject({
      level: 'ERROR',
      completion: 'not_recorded',
      message: 'Send-out delivered, but its idempotency record could not be completed',
    });
    expect(output.json()).toContainEqual(expect.objectContaining({ DeliveryNotRecorded: 1, Reason: 'not_recorded' }));

    // The residual window (RELIABILITY.md): the claim stays IN_PROGRESS, so once its lock has
    // expired a re-send of the same send-out is taken over and sent again: one duplicate, flagged.
    await stack.dynamo.resume();
    await new Promise((resolve) => setTimeout(resolve, (FAST_TIMINGS.idempotencyLockSeconds + 1) * 1000));
    expect(await pipeline.post([sendOut])).toEqual([202]);
    await eventually('the re-send delivered', () => deliveryCounts(receiver, [sendOut])[0] === 2);
    await stack.waitUntilDrained(10_000);
    expect(
      output
        .json()
        .filter((line) => line.envelope_id === sendOut.id && line.outcome === 'delivered')
        .at(-1),
    ).toMatchObject({
      level: 'WARN',
      completion: 'completed',
      claim_taken_over: true,
    });
    expect(output.json()).toContainEqual(expect.objectContaining({ ClaimTakenOver: 1 }));
    // Recorded now: a third copy is dropped.
    expect(await pipeline.post([sendOut])).toEqual([202]);
    await eventually('the third copy dropped', () => outcomesOf(sendOut).at(-1) === 'skipped:duplicate');
    expect(deliveryCounts(receiver, [sendOut])).toEqual([2]);
  }, 45_000);
});
