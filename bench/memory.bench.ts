/**
 * Memory of each function while serving load: the production bundles from cdk.out, each in its own
 * fresh process (bench/coldStart/lambdaHost.mjs, "serve" mode) started with the heap flags Lambda's
 * runtime uses for a memory size (128, 256 and 512 MB), invoked one event at a time as a Lambda
 * execution environment is, with the template's environment. The ingest gets a mix of new
 * send-outs (plain message, promotion, unique code, a customer without e-mail), some forged and some
 * invalid requests, then a few bodies at the size limit (256 KiB); the distribute function gets
 * batches of 10 new send-outs delivered through the SES channel (the stack's default) to a local
 * SES. Peak RSS is the process's own high-water mark (getrusage maxrss). The whole local stack's
 * peak RSS is measured by the pipeline benchmark.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { signatureFor } from '../functions/ingest/verifySignature.ts';
import { MESSAGE_ATTRIBUTE } from '../functions/shared/webhookContract.ts';
import { httpApiEvent, sqsEvent, sqsRecord } from '../local/lambdaEvents.ts';
import { freshEnvelopeId } from '../local/webhookClient.ts';
import { lambdaNodeFlags, productionFunction } from './support/bundles.ts';
import { startEmulators } from './support/emulators.ts';
import { isQuick, PROJECT_ROOT, writeResult } from './support/results.ts';
import { markdownTable } from './support/stats.ts';

const quick = isQuick();
const INGEST_REQUESTS = quick ? 20 : 2000;
const WORKER_BATCHES = quick ? 2 : 200;
const MEMORY_SIZES_MB = quick ? [128] : [128, 256, 512];
const QUEUE = 'bench-memory';
const DLQ = 'bench-memory-dlq';
const TABLE = 'bench-memory-idempotency';
const SECRET = 'bench_memory_secret';
const HOST = join(PROJECT_ROOT, 'bench', 'coldStart', 'lambdaHost.mjs');
const FIXTURES = join(PROJECT_ROOT, 'test/fixtures/voucherify');
const MAX_BODY_BYTES = 256 * 1024;

// Over HTTPS, as on AWS: the TLS client and its buffers are part of what a function holds in memory.
const emulators = await startEmulators({ queues: [{ name: DLQ }, { name: QUEUE }], tableName: TABLE, ses: true, tls: true });
const ingest = productionFunction('IngestFunction');
const distribute = productionFunction('DistributeFunction');

interface Memory {
  readonly rss: number;
  readonly maxRssKiB: number;
  readonly heapUsed: number;
}

/** One function in its own process, invoked over IPC one event at a time. */
async function startFunction(bundleFile: string, env: NodeJS.ProcessEnv, memoryMb: number) {
  const child: ChildProcess = fork(HOST, [bundleFile, 'serve'], {
    env: { ...env, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb) },
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    execArgv: lambdaNodeFlags(memoryMb),
  });
  const ready = await new Promise<{ importMs: number; memory: Memory }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`The function process exited (${code})`)));
    child.once('message', (message: { type: string; importMs: number; memory: Memory }) => resolve(message));
  });
  child.removeAllListeners('exit');
  let next = 0;
  return {
    afterImport: ready.memory,
    invoke(event: unknown): Promise<{ response: any; error?: string; memory: Memory }> {
      const id = next++;
      return new Promise((resolve) => {
        const listener = (message: { type: string; id: number; response: unknown; error?: string; memory: Memory }) => {
          if (message.type !== 'result' || message.id !== id) return;
          child.off('message', listener);
          resolve(message);
        };
        child.on('message', listener);
        child.send({ type: 'invoke', id, event });
      });
    },
    stop(): Promise<Memory> {
      return new Promise((resolve) => {
        child.once('message', (message: { memory: Memory }) => resolve(message.memory));
        child.send({ type: 'stop' });
      });
    },
  };
}

function functionEnvironment(variables: Readonly<Record<string, string | undefined>>, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...emulators.environment, NODE_EXTRA_CA_CERTS: emulators.caFile };
  for (const [name, value] of Object.entries(variables)) if (value !== undefined && value !== '') env[name] = value;
  return { ...env, ...extra };
}

// ---------------------------------------------------------------------------------------------
// Ingest

const MIX = ['segment-entered-plain-message.json', 'segment-entered-promotion.json', 'segment-entered-unique-code.json', 'segment-entered-minimal.json'];
const templates = MIX.map((file) => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Record<string, any>);

function newSendOut(index: number): string {
  const body = structuredClone(templates[index % templates.length]!);
  body.id = freshEnvelopeId();
  body.event.id = `evcus_mem_${index.toString(36)}`;
  body.created_at = new Date().toISOString();
  return JSON.stringify(body);
}

const webhookEvent = (body: string, signature = signatureFor(body, SECRET)): APIGatewayProxyEventV2 =>
  httpApiEvent({ headers: { 'content-type': 'application/json', 'x-voucherify-signature': signature }, body });

/** A valid send-out padded with a long customer metadata string up to the body limit. */
function largestBody(index: number): string {
  const body = JSON.parse(newSendOut(index)) as Record<string, any>;
  body.data.customer.metadata = { notes: '' };
  const base = Buffer.byteLength(JSON.stringify(body));
  body.data.customer.metadata.notes = 'x'.repeat(MAX_BODY_BYTES - base - 16);
  return JSON.stringify(body);
}

// ---------------------------------------------------------------------------------------------
// Distribute's events: batches of 10 new send-outs

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:bench-memory';
let sequence = 0;
function batch(): SQSEvent {
  return sqsEvent(
    Array.from({ length: 10 }, () => {
      const index = sequence++;
      const body = JSON.parse(newSendOut(index)) as Record<string, any>;
      const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
      return sqsRecord(
        {
          messageId: `m-${index}`,
          receiptHandle: `r-${index}`,
          body: JSON.stringify(body),
          messageAttributes: {
            [MESSAGE_ATTRIBUTE.envelopeId]: attribute(body.id),
            [MESSAGE_ATTRIBUTE.eventId]: attribute(body.event.id),
            [MESSAGE_ATTRIBUTE.distributionKind]: attribute('unique_code'),
          },
        },
        QUEUE_ARN,
      );
    }),
  );
}

const MiB = (bytes: number) => Number((bytes / 1024 / 1024).toFixed(1));

async function measureIngest(memoryMb: number) {
  const fn = await startFunction(
    ingest.bundle.file,
    functionEnvironment(ingest.template.variables, { QUEUE_URL: emulators.queueUrl(QUEUE), VOUCHERIFY_WEBHOOK_SECRET: SECRET, AWS_LAMBDA_FUNCTION_NAME: 'ingest' }),
    memoryMb,
  );
  const statuses = new Map<number, number>();
  const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
  for (let index = 0; index < INGEST_REQUESTS; index++) {
    const body = newSendOut(index);
    // One request in ten is forged, one in twenty invalid: the shapes a public endpoint sees.
    const event = index % 10 === 9 ? webhookEvent(body, 'ab'.repeat(32)) : index % 20 === 3 ? webhookEvent('{"id":1}') : webhookEvent(body);
    count((await fn.invoke(event)).response.statusCode);
    if (index % 500 === 499) await emulators.purge(QUEUE);
  }
  const beforeLarge = await fn.invoke(webhookEvent(newSendOut(0)));
  count(beforeLarge.response.statusCode);
  for (let index = 0; index < 5; index++) count((await fn.invoke(webhookEvent(largestBody(index)))).response.statusCode);
  const end = await fn.stop();
  await emulators.purge(QUEUE);
  return {
    memoryMb,
    requests: INGEST_REQUESTS + 6,
    statuses: Object.fromEntries(statuses),
    rssAfterImportMiB: MiB(fn.afterImport.rss),
    peakRssBeforeLargeBodiesMiB: MiB(beforeLarge.memory.maxRssKiB * 1024),
    peakRssMiB: MiB(end.maxRssKiB * 1024),
    rssAtEndMiB: MiB(end.rss),
    heapUsedAtEndMiB: MiB(end.heapUsed),
  };
}

async function measureDistribute(memoryMb: number) {
  const fn = await startFunction(
    distribute.bundle.file,
    functionEnvironment(distribute.template.variables, {
      DEAD_LETTER_QUEUE_URL: emulators.queueUrl(DLQ),
      IDEMPOTENCY_TABLE_NAME: TABLE,
      AWS_LAMBDA_FUNCTION_NAME: 'distribute',
    }),
    memoryMb,
  );
  let failedRecords = 0;
  for (let index = 0; index < WORKER_BATCHES; index++) {
    const { response, error } = await fn.invoke(batch());
    if (error) throw new Error(`The distribute function threw: ${error}`);
    failedRecords += response.batchItemFailures.length;
  }
  const end = await fn.stop();
  if (failedRecords > 0) throw new Error(`${failedRecords} records failed in the distribute function`);
  return {
    memoryMb,
    records: WORKER_BATCHES * 10,
    channel: distribute.template.variables.DELIVERY_CHANNEL ?? 'ses',
    rssAfterImportMiB: MiB(fn.afterImport.rss),
    peakRssMiB: MiB(end.maxRssKiB * 1024),
    rssAtEndMiB: MiB(end.rss),
    heapUsedAtEndMiB: MiB(end.heapUsed),
  };
}

const ingestRuns = [];
const distributeRuns = [];
for (const memoryMb of MEMORY_SIZES_MB) {
  ingestRuns.push(await measureIngest(memoryMb));
  distributeRuns.push(await measureDistribute(memoryMb));
}
await emulators.stop();

const headroom = (peakMiB: number, memoryMb: number) => `${Math.round((peakMiB / memoryMb) * 100)}%`;
const table = markdownTable(
  ['function', 'memory size (heap flags as on Lambda)', 'served', 'RSS after import MiB', 'peak RSS MiB', 'peak ÷ memory size', 'heap used at end MiB'],
  [
    ...ingestRuns.map((run) => [
      'ingest',
      `${run.memoryMb} MB`,
      `${run.requests} requests (${Object.entries(run.statuses).map(([status, n]) => `${n}× ${status}`).join(', ')}), the last 5 of 256 KiB`,
      run.rssAfterImportMiB,
      `${run.peakRssMiB} (${run.peakRssBeforeLargeBodiesMiB} before the 256 KiB bodies)`,
      headroom(run.peakRssMiB, run.memoryMb),
      run.heapUsedAtEndMiB,
    ]),
    ...distributeRuns.map((run) => [
      'distribute',
      `${run.memoryMb} MB`,
      `${run.records} records in batches of 10, ${run.channel} channel`,
      run.rssAfterImportMiB,
      run.peakRssMiB,
      headroom(run.peakRssMiB, run.memoryMb),
      run.heapUsedAtEndMiB,
    ]),
  ],
);

const file = writeResult({
  name: 'memory',
  command: 'npm run bench -- --only memory',
  method:
    'Production bundles from cdk.out, each in its own fresh Node 24 process with the heap flags of Lambda’s Node.js runtime for the memory size, one invocation at a time over IPC; peak RSS = getrusage maxrss of that process.',
  tables: [{ title: 'Memory per function while serving load', markdown: table }],
  data: { ingest: ingestRuns, distribute: distributeRuns, templateMemoryMb: { ingest: ingest.template.memorySize, distribute: distribute.template.memorySize } },
});
process.stderr.write(`memory: results in ${file}\n`);
process.exit(0);
