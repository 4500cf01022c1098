/**
 * Issue 6, "Faults": the worker killed mid-batch, the process itself. The ingest, fauxqs and
 * dynalite run in the test process (the local stack without its worker); the worker side (the
 * event-source-mapping stand-in and the distribute handler, configured like the local stack's)
 * runs in a child process, which is killed with SIGKILL while a batch is being delivered, as
 * Lambda kills an invocation that times out or whose sandbox dies. A fresh worker process then
 * picks the records up once the visibility timeout has run out.
 *
 * A delivery is a 2xx answer the receiver completed while the worker was still connected; a
 * request whose connection died first was never delivered (and its sender never learnt otherwise).
 */
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { IDEMPOTENCY_TABLE } from '../functions/distribute/idempotencyTable.ts';
import { LOCAL_TABLE_NAME } from '../local/localStack.ts';
import { startWorkerProcess, type WorkerProcess } from '../local/workerProcessHandle.ts';
import { type CapturedOutput, captureOutput } from './support/captureOutput.ts';
import {
  attemptsByKey,
  deliveryCounts,
  eventually,
  newSendOuts,
  type ReliabilityPipeline,
  type SendOutCopy,
  startReliabilityPipeline,
  TAKEOVER_VISIBILITY_TIMEOUT_SECONDS,
  withoutTimeBudgetDeferrals,
} from './support/reliabilityPipeline.ts';
import { type ScriptedHttpServer, startScriptedHttpServer } from './support/scriptedHttpServer.ts';

let pipeline: ReliabilityPipeline;
let dynamoDb: DynamoDBClient;
let output: CapturedOutput;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  // The ingest's logs, from this process; the workers' are in their own output.
  output = captureOutput();
  // No worker in the test process: each test starts its own, one batch of up to 10 records at a
  // time. The kill must land while deliveries hang, before the worker gives up on them: the
  // delivery timeout is as long as the worker timeout allows.
  pipeline = await startReliabilityPipeline({
    stack: {
      inProcessWorker: false,
      workerConcurrency: 1,
      batchSize: 10,
      visibilityTimeoutSeconds: TAKEOVER_VISIBILITY_TIMEOUT_SECONDS,
      // Room for a freshly started worker process to reach its first send before the last moment a
      // record may start; the lock still expires before the visibility timeout.
      workerTimeoutSeconds: 2.5,
      idempotencyLockSeconds: 3,
      extraEnvironment: { DELIVERY_TIMEOUT_MS: '1200' },
    },
  });
  dynamoDb = pipeline.stack.dynamo.client();
});
afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.kill('SIGKILL');
});
afterAll(async () => {
  dynamoDb?.destroy();
  await pipeline?.stop();
  output.restore();
});

function startWorker(environment: Record<string, string> = {}): WorkerProcess {
  const worker = startWorkerProcess(pipeline.stack.workerSettings, environment);
  workers.push(worker);
  return worker;
}

const claimStatus = async (sendOut: SendOutCopy): Promise<string | undefined> =>
  (
    await dynamoDb.send(
      new GetItemCommand({
        TableName: LOCAL_TABLE_NAME,
        Key: { [IDEMPOTENCY_TABLE.partitionKey]: { S: sendOut.id } },
        ConsistentRead: true,
      }),
    )
  ).Item?.status?.S;

/** What a worker process logged for each send-out, `outcome[:reason]`, in order. */
const outcomesIn = (worker: WorkerProcess, sendOut: SendOutCopy): string[] =>
  worker
    .json()
    .filter((line) => line.envelope_id === sendOut.id && typeof line.outcome === 'string')
    .map((line) => [line.outcome, line.reason].filter(Boolean).join(':'));

describe('the worker process killed', () => {
  test('mid-batch: the records come back after the visibility timeout and each is delivered exactly once', async () => {
    const { stack, receiver } = pipeline;
    const sendOuts = newSendOuts(10, 'killed');
    expect(await pipeline.post(sendOuts)).toEqual(sendOuts.map(() => 202));

    // The first four deliveries are answered at once; the other six hang, so the kill lands mid-batch.
    let seen = 0;
    receiver.hold(() => ++seen > 4);
    const first = startWorker();
    await eventually('four delivered, recorded and logged, six being delivered', async () => {
      if (receiver.answered.length !== 4 || receiver.held !== 6) return false;
      // A record's line is written once its completion is; the kill must not land between the two.
      if (first.json().filter((line) => line.outcome === 'delivered').length !== 4) return false;
      const delivered = sendOuts.filter((sendOut) => deliveryCounts(receiver, [sendOut])[0] === 1);
      return (await Promise.all(delivered.map(claimStatus))).every((status) => status === 'COMPLETED');
    });
    await first.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const deliveredFirst = sendOuts.filter((sendOut) => deliveryCounts(receiver, [sendOut])[0] === 1);
    // Each record is logged once decided: the four delivered were, the six in flight were not.
    const logged = first.json().filter((line) => line.outcome !== undefined);
    expect(logged.map((line) => line.outcome)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(new Set(logged.map((line) => line.envelope_id))).toEqual(new Set(deliveredFirst.map((sendOut) => sendOut.id)));
    const redelivered = sendOuts.filter((sendOut) => !deliveredFirst.includes(sendOut));
    expect([deliveredFirst.length, redelivered.length]).toEqual([4, 6]);
    await eventually('the receiver saw the six connections die', () => receiver.held === 0);
    receiver.release();

    const second = startWorker();
    await eventually('every send-out delivered', () => deliveryCounts(receiver, sendOuts).every((count) => count >= 1), 30_000);
    await stack.waitUntilDrained(20_000);

    expect(deliveryCounts(receiver, sendOuts)).toEqual(sendOuts.map(() => 1));
    const attempts = attemptsByKey(receiver);
    expect(deliveredFirst.map((sendOut) => attempts.get(sendOut.id))).toEqual([1, 1, 1, 1]);
    expect(redelivered.map((sendOut) => attempts.get(sendOut.id))).toEqual([2, 2, 2, 2, 2, 2]);
    // The new worker recognised what the dead one had finished, and took over the claims it had not.
    for (const sendOut of deliveredFirst) expect(outcomesIn(second, sendOut)).toEqual(['skipped:duplicate']);
    // With the short timeout used here, a record whose turn comes too late for an invocation goes
    // back on the queue first; whatever the path, it ends delivered, once.
    for (const sendOut of redelivered) expect(withoutTimeBudgetDeferrals(outcomesIn(second, sendOut))).toEqual(['delivered']);
    expect((await stack.queueDepths()).deadLettered).toBe(0);
  }, 45_000);

  describe('after the receiver accepted but before the completion was written (the residual window)', () => {
    let dynamoProxy: ScriptedHttpServer;
    beforeAll(async () => {
      dynamoProxy = await startScriptedHttpServer({ proxyTo: pipeline.stack.dynamo.endpoint });
    });
    afterAll(() => dynamoProxy.stop());

    test('each send-out in the window goes out a second time once its lock has expired, never a third, and the second worker flags it', async () => {
      const { stack, receiver } = pipeline;
      const sendOuts = newSendOuts(3, 'window');
      expect(await pipeline.post(sendOuts)).toEqual([202, 202, 202]);

      // The worker's DynamoDB calls go through a proxy that holds the completions: delivered, not yet recorded.
      dynamoProxy.hold((request) => request.body.includes('"COMPLETED"'));
      const first = startWorker({ AWS_ENDPOINT_URL_DYNAMODB: dynamoProxy.url });
      await eventually(
        'delivered, completions pending',
        () => deliveryCounts(receiver, sendOuts).every((n) => n === 1) && dynamoProxy.held === 3,
      );
      await first.kill('SIGKILL');
      // The held completions die with the worker's connections; none reaches DynamoDB.
      await eventually('the proxy saw the connections die', () => dynamoProxy.held === 0);
      dynamoProxy.release();
      expect(await Promise.all(sendOuts.map(claimStatus))).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS']);

      const second = startWorker();
      await eventually('each send-out delivered again', () => deliveryCounts(receiver, sendOuts).every((n) => n === 2), 30_000);
      await stack.waitUntilDrained(20_000);
      expect(await Promise.all(sendOuts.map(claimStatus))).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);

      // Recorded now: Voucherify re-sending one is dropped, so the window costs one extra copy at most.
      expect(await pipeline.post(sendOuts.slice(0, 1))).toEqual([202]);
      await eventually('the re-send dropped', () => outcomesIn(second, sendOuts[0]!).includes('skipped:duplicate'));
      expect(deliveryCounts(receiver, sendOuts)).toEqual([2, 2, 2]);
      // Both copies carried the same idempotency key, so a receiver that keeps them can drop the second itself.
      expect(sendOuts.map((sendOut) => attemptsByKey(receiver).get(sendOut.id))).toEqual([2, 2, 2]);

      const secondCopies = second.json().filter((line) => line.outcome === 'delivered');
      expect(secondCopies).toHaveLength(3);
      for (const line of secondCopies) {
        expect(line).toMatchObject({ level: 'WARN', claim_taken_over: true, completion: 'completed' });
      }
      const takenOver = second.json().reduce((sum, line) => sum + (typeof line.ClaimTakenOver === 'number' ? line.ClaimTakenOver : 0), 0);
      expect(takenOver).toBe(3);
    }, 45_000);
  });
});
