/**
 * Distribute worker cost per record, warm, in process: our handler against its floor
 * (bench/workerFloor.ts), with batches of 10 records as the stack's event source mapping sends them,
 * for the outbox channel (a file) and the http channel (a local receiver). DynamoDB (dynalite), the
 * DLQ (fauxqs) and the receiver run in a separate process. Every record is a new send-out (a fresh
 * envelope id), so each one really claims, delivers and completes.
 *
 * Method as for the ingest: interleaved rounds, first dropped, medians of rounds and of per-round
 * ratios; CPU time of this process per record; then a CPU profile of ours per channel.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createDistributeHandler } from '../functions/distribute/distributeHandler.ts';
import { MESSAGE_ATTRIBUTE } from '../functions/shared/webhookContract.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../local/lambdaEvents.ts';
import { freshEnvelopeId } from '../local/webhookClient.ts';
import { profileInProcess, summarizeProfile } from './support/cpuProfile.ts';
import { startEmulators } from './support/emulators.ts';
import { isQuick, PROJECT_ROOT, writeResult } from './support/results.ts';
import { formatNumber, formatRatio, markdownTable, pairedRatio, summarize } from './support/stats.ts';
import { createWorkerFloorHandler } from './workerFloor.ts';

const quick = isQuick();
const ROUNDS = quick ? 2 : Number(process.env.BENCH_ROUNDS ?? 9);
const BATCHES = quick ? 2 : 30;
const BATCH_SIZE = 10;
const TABLE = 'bench-idempotency';
const DLQ = 'bench-worker-dlq';
const FIXTURE = join(PROJECT_ROOT, 'test/fixtures/voucherify/segment-entered-unique-code.json');

const emulators = await startEmulators({ queues: [{ name: DLQ }], tableName: TABLE, httpReceiver: true });
Object.assign(process.env, emulators.environment, { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO' });
const directory = mkdtempSync(join(tmpdir(), 'bench-worker-'));

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
const channelEnvironment = {
  outbox: { DELIVERY_CHANNEL: 'outbox', OUTBOX_FILE: join(directory, 'ours-outbox.jsonl') },
  http: { DELIVERY_CHANNEL: 'http', FORWARD_URL: emulators.receiverUrl!, FORWARD_SIGNING_SECRET: 'bench-forward-secret' },
} as const;
type ChannelName = keyof typeof channelEnvironment;
const CHANNELS: ChannelName[] = ['outbox', 'http'];

/** The stack's DynamoDB client settings (distributeDependencies.ts), for the floor. */
const floorClient = () => new DynamoDBClient({ maxAttempts: 3, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 } });

const BUILDS: Record<ChannelName, Record<'floor' | 'ours', Handler>> = {
  outbox: {
    floor: createWorkerFloorHandler({ client: floorClient(), tableName: TABLE, channel: { kind: 'outbox', file: join(directory, 'floor-outbox.jsonl') } }),
    ours: createDistributeHandler({
      ...process.env,
      ...channelEnvironment.outbox,
      DEAD_LETTER_QUEUE_URL: emulators.queueUrl(DLQ),
      IDEMPOTENCY_TABLE_NAME: TABLE,
    }),
  },
  http: {
    floor: createWorkerFloorHandler({ client: floorClient(), tableName: TABLE, channel: { kind: 'http', url: emulators.receiverUrl! } }),
    ours: createDistributeHandler({
      ...process.env,
      ...channelEnvironment.http,
      DEAD_LETTER_QUEUE_URL: emulators.queueUrl(DLQ),
      IDEMPOTENCY_TABLE_NAME: TABLE,
    }),
  },
};

// ---------------------------------------------------------------------------------------------
// Batches of new send-outs, made before each block (outside the timing)

const template = JSON.stringify(JSON.parse(readFileSync(FIXTURE, 'utf8')));
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:bench-webhooks';
let sequence = 0;
function batch(): SQSEvent {
  return sqsEvent(
    Array.from({ length: BATCH_SIZE }, () => {
      const id = freshEnvelopeId();
      const eventId = `evcus_bench_${(sequence++).toString(36)}`;
      const body = template.replace(/"id":"whs_[^"]*"/, `"id":"${id}"`).replace(/"evcus_[^"]*"/, `"${eventId}"`);
      const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
      return sqsRecord(
        {
          messageId: `m-${sequence}`,
          receiptHandle: `r-${sequence}`,
          body,
          messageAttributes: {
            [MESSAGE_ATTRIBUTE.envelopeId]: attribute(id),
            [MESSAGE_ATTRIBUTE.eventId]: attribute(eventId),
            [MESSAGE_ATTRIBUTE.distributionKind]: attribute('unique_code'),
          },
        },
        QUEUE_ARN,
      );
    }),
  );
}

// Both builds must deliver every record of a batch.
for (const channel of CHANNELS) {
  for (const build of ['floor', 'ours'] as const) {
    const response = await BUILDS[channel][build](batch(), lambdaContext('distribute', 60_000));
    if (response.batchItemFailures.length > 0) throw new Error(`${build}/${channel} failed records: ${JSON.stringify(response)}`);
  }
}

const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

async function block(handler: Handler): Promise<{ wallUs: number; cpuUs: number }> {
  const events = Array.from({ length: BATCHES }, batch);
  collectGarbage();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (const event of events) {
    const response = await handler(event, lambdaContext('distribute', 60_000));
    if (response.batchItemFailures.length > 0) throw new Error(`Failed records: ${JSON.stringify(response)}`);
  }
  const records = BATCHES * BATCH_SIZE;
  const cpu = process.cpuUsage(cpuBefore);
  return { wallUs: ((performance.now() - started) * 1000) / records, cpuUs: (cpu.user + cpu.system) / records };
}

const samples: Record<string, Record<string, { wall: number[]; cpu: number[] }>> = {};
for (const channel of CHANNELS) samples[channel] = { floor: { wall: [], cpu: [] }, ours: { wall: [], cpu: [] } };
for (let round = 0; round < ROUNDS; round++) {
  for (const channel of CHANNELS) {
    const order = round % 2 === 0 ? (['floor', 'ours'] as const) : (['ours', 'floor'] as const);
    for (const build of order) {
      const { wallUs, cpuUs } = await block(BUILDS[channel][build]);
      if (round === 0 && ROUNDS > 1) continue;
      samples[channel]![build]!.wall.push(wallUs);
      samples[channel]![build]!.cpu.push(cpuUs);
    }
  }
}

const profiles: Record<string, ReturnType<typeof summarizeProfile>> = {};
for (const channel of CHANNELS) {
  const events = Array.from({ length: BATCHES }, batch);
  const profile = await profileInProcess(async () => {
    for (const event of events) await BUILDS[channel].ours(event, lambdaContext('distribute', 60_000));
  });
  profiles[channel] = summarizeProfile(profile);
}
await emulators.stop();
rmSync(directory, { recursive: true, force: true });

const data = CHANNELS.map((channel) => {
  const { floor, ours } = samples[channel]!;
  return {
    channel,
    floor: { wallUs: summarize(floor!.wall), cpuUs: summarize(floor!.cpu) },
    ours: {
      wallUs: summarize(ours!.wall),
      cpuUs: summarize(ours!.cpu),
      ratioToFloor: pairedRatio(ours!.wall, floor!.wall),
      cpuRatioToFloor: pairedRatio(ours!.cpu, floor!.cpu),
    },
  };
});

const table = markdownTable(
  ['channel', 'floor µs/record', 'ours µs/record', 'ours ÷ floor (IQR)', 'floor CPU µs/record', 'ours CPU µs/record', 'CPU ratio (IQR)'],
  data.map((row) => [
    row.channel,
    formatNumber(row.floor.wallUs.median),
    formatNumber(row.ours.wallUs.median),
    formatRatio(row.ours.ratioToFloor),
    formatNumber(row.floor.cpuUs.median),
    formatNumber(row.ours.cpuUs.median),
    formatRatio(row.ours.cpuRatioToFloor),
  ]),
);
const profileTables = CHANNELS.map((channel) => ({
  title: `Where the worker's time goes: ${channel} channel (CPU profile of ours, self time)`,
  markdown: [
    markdownTable(
      ['category', 'share'],
      profiles[channel]!.categories.filter((row) => row.share >= 0.5).map((row) => [row.category, `${row.share}%`]),
    ),
    '',
    markdownTable(
      ['function (self time)', 'category', 'share'],
      profiles[channel]!.functions.slice(0, 8).map((row) => [`\`${row.name}\``, row.category, `${row.share}%`]),
    ),
  ].join('\n'),
}));

const file = writeResult({
  name: 'worker',
  command: 'npm run bench -- --only worker',
  method: `${ROUNDS} interleaved rounds (first dropped) of ${BATCHES} batches × ${BATCH_SIZE} new send-outs per build and channel; medians of rounds; ratio = median of per-round ratios; dynalite, fauxqs and the HTTP receiver in a separate process.`,
  tables: [{ title: 'Worker, warm, per record (batches of 10)', markdown: table }, ...profileTables],
  data: { batchSize: BATCH_SIZE, batchesPerBlock: BATCHES, channels: data, profiles },
});
process.stderr.write(`worker: results in ${file}\n`);
process.exit(0);
