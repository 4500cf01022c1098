/**
 * Cost per million webhooks on AWS: an explicit model whose inputs are public prices, the stack's
 * defaults, what the other benchmarks measured (CPU per request, INIT, log bytes) and what cannot be
 * measured locally (latencies inside AWS). A scenario says how traffic arrives; its extra SQS requests
 * and worker milliseconds per record are there to model pacing.
 */
import { STACK_SETTINGS } from '../lib/webhookStackConfig.ts';
import { type ColdStartData, DISTRIBUTE } from './coldStart.ts';
import type { Comparison } from './support/compare.ts';
import { type BenchContext, type BenchOutput, OURS, readResult } from './support/context.ts';
import { markdownTable } from './support/stats.ts';
import type { WorkerData } from './worker.ts';

/** us-east-1 list prices, arm64, without free tiers, as looked up on PRICES_DATE. */
export const PRICES_DATE = '2026-11-28';
export const PRICES = {
  httpApiPerMillion: { usd: 1.0, source: 'https://aws.amazon.com/api-gateway/pricing/ (HTTP API, first 300 M, per 512 KB)' },
  lambdaPerMillionRequests: { usd: 0.2, source: 'https://aws.amazon.com/lambda/pricing/' },
  lambdaArmPerGbSecond: { usd: 0.0000133334, source: 'https://aws.amazon.com/lambda/pricing/ (1 ms steps; INIT billed since 2025-08-01)' },
  sqsPerMillionRequests: { usd: 0.4, source: 'https://aws.amazon.com/sqs/pricing/ (standard queue, per 64 KB chunk)' },
  dynamoPerMillionWrites: { usd: 0.625, source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' },
  sesPerThousandEmails: { usd: 0.1, source: 'https://aws.amazon.com/ses/pricing/ (à la carte; Essentials plan $0.16)' },
  logsPerGb: { usd: 0.5, source: 'https://aws.amazon.com/cloudwatch/pricing/ (standard class ingestion)' },
} as const;

/** What cannot be measured here. */
export const ASSUMPTIONS = {
  sqsSendMs: 10,
  dynamoWriteMs: 6,
  sesSendMs: 40,
  /** Lambda gives a function a full vCPU at this memory size, proportionally less below. */
  fullVcpuMb: 1769,
  /** Lambda's START, END and REPORT lines. */
  platformLogBytesPerInvocation: 340,
  /** API Gateway's access log line in the stack's format (15 JSON fields). */
  accessLogBytesPerRequest: 400,
  /** Claim and completion, items under 1 KB. */
  dynamoWritesPerSendOut: 2,
};

/** How traffic arrives; the extra SQS requests and worker milliseconds per record model pacing. */
export type Scenario = {
  name: string;
  recordsPerBatch: number;
  coldStartShare: number;
  extraSqsRequestsPerWebhook: number;
  extraWorkerMsPerRecord: number;
};
export type Measured = ReturnType<typeof measuredInputs>;

/** The inputs the other benchmarks measured: CPU on this x86 machine (scaled below by Lambda's CPU share), INIT, log bytes. */
function measuredInputs(context: BenchContext) {
  const accepted = readResult<{ cases: Comparison }>(context, 'ingest').data.cases['202 accepted']![OURS]!;
  const worker = readResult<WorkerData>(context, 'worker').data;
  const cold = readResult<ColdStartData>(context, 'coldStart').data;
  const initMs = (variant: string) => cold[variant]!.bootMs.median + cold[variant]!.importMs.median;
  return {
    ingestCpuMs: accepted.cpuUs.median / 1000,
    ingestInitMs: initMs(OURS),
    ingestLogBytes: accepted.logBytes,
    workerCpuMsPerRecord: worker.records[OURS]!.cpuUs.median / 1000,
    workerInitMs: initMs(DISTRIBUTE),
    workerLogBytes: worker.oursLogBytes,
  };
}

const settings = {
  batchSize: STACK_SETTINGS.batchSize.defaultValue!,
  ingestMemoryMb: STACK_SETTINGS.ingestMemoryMb.defaultValue!,
  workerMemoryMb: STACK_SETTINGS.workerMemoryMb.defaultValue!,
};
const slowdown = (memoryMb: number) => Math.max(1, ASSUMPTIONS.fullVcpuMb / memoryMb);
const perMillion = (price: { usd: number }) => price.usd / 1e6;

/** Where the CloudWatch Logs bytes of one webhook come from, measured unless marked. */
export function logBytesPerWebhook(measured: Measured, scenario: Scenario) {
  const { platformLogBytesPerInvocation: platform, accessLogBytesPerRequest } = ASSUMPTIONS;
  const batch = scenario.recordsPerBatch;
  return [
    { source: 'API Gateway access log line (assumed)', bytes: accessLogBytesPerRequest },
    { source: 'ingest: its lines per 202', bytes: measured.ingestLogBytes },
    { source: 'ingest: Lambda START/END/REPORT (assumed)', bytes: platform },
    { source: 'distribute: its lines per record', bytes: measured.workerLogBytes.perRecord },
    { source: 'distribute: its lines per batch, shared by the batch', bytes: measured.workerLogBytes.perBatch / batch },
    { source: 'distribute: Lambda START/END/REPORT, shared by the batch (assumed)', bytes: platform / batch },
  ];
}

/** The bill for `webhooks` webhooks, one line per item. */
export function costOf(measured: Measured, scenario: Scenario, webhooks = 1_000_000) {
  const lambda = (memoryMb: number, invocations: number, billedMs: number, initMs: number) => {
    const seconds = (invocations * (billedMs + scenario.coldStartShare * initMs * slowdown(memoryMb))) / 1000;
    return invocations * perMillion(PRICES.lambdaPerMillionRequests) + (memoryMb / 1024) * seconds * PRICES.lambdaArmPerGbSecond.usd;
  };
  const ingestMs = Math.ceil(measured.ingestCpuMs * slowdown(settings.ingestMemoryMb) + ASSUMPTIONS.sqsSendMs);
  const batches = webhooks / scenario.recordsPerBatch;
  const recordMs = measured.workerCpuMsPerRecord * slowdown(settings.workerMemoryMb) + scenario.extraWorkerMsPerRecord;
  // A batch's records run concurrently: their CPU adds up, their waits overlap.
  const batchMs = Math.ceil(
    scenario.recordsPerBatch * recordMs + ASSUMPTIONS.dynamoWritesPerSendOut * ASSUMPTIONS.dynamoWriteMs + ASSUMPTIONS.sesSendMs,
  );
  const sqsRequests = webhooks * (1 + scenario.extraSqsRequestsPerWebhook) + 2 * batches;
  const logBytes = webhooks * logBytesPerWebhook(measured, scenario).reduce((total, part) => total + part.bytes, 0);
  const ingestInit = Math.round(measured.ingestInitMs * slowdown(settings.ingestMemoryMb));
  const { ingestMemoryMb, workerMemoryMb, batch } = { ...settings, batch: scenario.recordsPerBatch };
  const writes = ASSUMPTIONS.dynamoWritesPerSendOut;
  const line = (item: string, basis: string, usd: number) => ({ item, basis, usd });
  return [
    line('API Gateway HTTP API', '1 request per webhook', webhooks * perMillion(PRICES.httpApiPerMillion)),
    line(
      'Lambda ingest',
      `${ingestMemoryMb} MB × ${ingestMs} ms; INIT ${ingestInit} ms`,
      lambda(ingestMemoryMb, webhooks, ingestMs, measured.ingestInitMs),
    ),
    line('SQS', `${(sqsRequests / webhooks).toFixed(1)} requests per webhook`, sqsRequests * perMillion(PRICES.sqsPerMillionRequests)),
    line(
      'Lambda distribute',
      `${workerMemoryMb} MB × ${batchMs} ms per batch of ${batch}`,
      lambda(workerMemoryMb, batches, batchMs, measured.workerInitMs),
    ),
    line('DynamoDB on demand', `${writes} writes per send-out`, webhooks * writes * perMillion(PRICES.dynamoPerMillionWrites)),
    line('CloudWatch Logs', `${Math.round(logBytes / webhooks)} B per webhook`, (logBytes / 1024 ** 3) * PRICES.logsPerGb.usd),
    line('SES', '1 e-mail per send-out', webhooks * (PRICES.sesPerThousandEmails.usd / 1000)),
  ];
}

export async function runCost(context: BenchContext): Promise<BenchOutput> {
  const measured = measuredInputs(context);
  const scenario = { extraSqsRequestsPerWebhook: 0, extraWorkerMsPerRecord: 0 };
  const scenarios: Scenario[] = [
    { name: 'steady traffic', recordsPerBatch: settings.batchSize, coldStartShare: 0.001, ...scenario },
    { name: 'a trickle', recordsPerBatch: 1, coldStartShare: 0.01, ...scenario },
  ];
  const headers = scenarios.map(
    ({ name, recordsPerBatch, coldStartShare }) => `${name} (${recordsPerBatch} per batch, ${coldStartShare * 100}% cold)`,
  );
  const usd = (value: number) => `$${value.toFixed(value >= 10 ? 2 : 3)}`;
  const costs = scenarios.map((s) => costOf(measured, s));
  const total = (lines: (typeof costs)[number], withSes: boolean) =>
    usd(lines.filter((line) => withSes || line.item !== 'SES').reduce((sum, line) => sum + line.usd, 0));
  const costRows = costs[0]!.map((line, index) => [
    line.item,
    [...new Set(costs.map((lines) => lines[index]!.basis))].join('; '),
    ...costs.map((lines) => usd(lines[index]!.usd)),
  ]);
  costRows.push(['**without the e-mail**', '', ...costs.map((lines) => `**${total(lines, false)}**`)]);
  costRows.push(['**total**', '', ...costs.map((lines) => `**${total(lines, true)}**`)]);
  const logs = scenarios.map((s) => logBytesPerWebhook(measured, s));
  const logRows = logs[0]!.map((part, index) => [part.source, ...logs.map((parts) => Math.round(parts[index]!.bytes))]);
  logRows.push(['**total**', ...logs.map((parts) => `**${Math.round(parts.reduce((sum, part) => sum + part.bytes, 0))}**`)]);
  return {
    method: `us-east-1 list prices of ${PRICES_DATE}; billed Lambda ms = CPU measured here × (${ASSUMPTIONS.fullVcpuMb} MB ÷ memory size) + assumed in-AWS latencies, rounded up to 1 ms.`,
    tables: [
      { title: 'Cost per million webhooks', markdown: markdownTable(['item', 'basis', ...headers], costRows) },
      { title: 'CloudWatch Logs bytes per webhook', markdown: markdownTable(['source', ...headers], logRows) },
    ],
    data: { pricesDate: PRICES_DATE, prices: PRICES, assumptions: ASSUMPTIONS, settings, measured, scenarios, costs },
  };
}
