/**
 * Cost per million webhooks on AWS: an explicit model whose inputs are public prices, the stack's
 * defaults, what the other benchmarks measured (CPU per request, INIT, log bytes) and what cannot be
 * measured locally (latencies inside AWS). A scenario says how traffic arrives: how full batches
 * are, how often a container starts cold, whether a backlog makes every send wait its turn (see
 * functions/distribute/sendPacer.ts), and how many send-outs are throttled and put back on the queue.
 */
import { ACCESS_LOG_FIELDS } from '../lib/accessLogFormat.ts';
import { STACK_SETTINGS } from '../lib/webhookStackConfig.ts';
import { type ColdStartData, DISTRIBUTE } from './coldStart.ts';
import type { Comparison } from './support/compare.ts';
import { type BenchContext, type BenchOutput, OURS, readResult } from './support/context.ts';
import { markdownTable } from './support/stats.ts';
import type { WorkerData } from './worker.ts';

/** us-east-1 list prices, arm64, without free tiers, as looked up on PRICES_DATE (or the date in the source). */
export const PRICES_DATE = '2026-11-28';
export const PRICES = {
  httpApiPerMillion: { usd: 1.0, source: 'https://aws.amazon.com/api-gateway/pricing/ (HTTP API, first 300 M, per 512 KB)' },
  lambdaPerMillionRequests: { usd: 0.2, source: 'https://aws.amazon.com/lambda/pricing/' },
  lambdaArmPerGbSecond: { usd: 0.0000133334, source: 'https://aws.amazon.com/lambda/pricing/ (1 ms steps; INIT billed since 2025-08-01)' },
  sqsPerMillionRequests: { usd: 0.4, source: 'https://aws.amazon.com/sqs/pricing/ (standard queue, per 64 KB chunk)' },
  dynamoPerMillionWrites: { usd: 0.625, source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/ (per write request unit, 1 KB)' },
  dynamoPerMillionReadUnits: {
    usd: 0.125,
    source:
      'https://aws.amazon.com/dynamodb/pricing/on-demand/ (per read request unit, 4 KB; an eventually consistent read takes half a unit), looked up 2026-12-03',
  },
  sesPerThousandEmails: { usd: 0.1, source: 'https://aws.amazon.com/ses/pricing/ (à la carte; Essentials plan $0.16)' },
  logsPerGb: { usd: 0.5, source: 'https://aws.amazon.com/cloudwatch/pricing/ (standard class ingestion)' },
} as const;

/** What cannot be measured here. */
export const ASSUMPTIONS = {
  sqsSendMs: 10,
  dynamoCallMs: 6,
  sesSendMs: 40,
  /** Lambda gives a function a full vCPU at this memory size, proportionally less below. */
  fullVcpuMb: 1769,
  /** Lambda's START, END and REPORT lines. */
  platformLogBytesPerInvocation: 340,
  /** Claim and completion, items under 1 KB. */
  dynamoWritesPerSendOut: 2,
  /** The unsubscribe list, read eventually consistent before the claim. */
  dynamoReadUnitsPerSendOut: 0.5,
  /** A throttled send-out gives its claim back: a second write, and both again when it is retried. */
  dynamoWritesPerDeferral: 2,
  /** MaxSendRate that SES GetAccount reports for a new account out of the sandbox. */
  sesRatePerSecond: 14,
};

/** Typical values of the access log's fields for a 202 (the user agent is a guess); '-' where API Gateway has none. */
const TYPICAL_ACCESS_LOG_VALUES: Readonly<Record<string, string>> = {
  requestId: 'QzR4hjFWoAMEb_w=',
  requestTime: '03/Dec/2026:18:30:54 +0000',
  sourceIp: '34.248.124.56',
  userAgent: 'Voucherify-Webhooks/1.0',
  routeKey: 'POST /webhooks/voucherify',
  status: '202',
  responseLatency: '38',
};
/** One access log line in the stack's format. */
export const accessLogBytesPerRequest = Buffer.byteLength(
  JSON.stringify(Object.fromEntries(Object.keys(ACCESS_LOG_FIELDS).map((field) => [field, TYPICAL_ACCESS_LOG_VALUES[field] ?? '-']))),
);

export type Scenario = {
  readonly name: string;
  readonly recordsPerBatch: number;
  readonly coldStartShare: number;
  /** A backlog drained at the provider's rate: each of `workers` containers sends at rate ÷ workers, and is billed while it waits. */
  readonly backlog?: { readonly ratePerSecond: number; readonly workers: number };
  /** Send-outs throttled once and put back on the queue before they go out. */
  readonly deferredShare: number;
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
const price = ({ usd }: { usd: number }) => `$${Number.isInteger(usd * 100) ? usd.toFixed(2) : usd}`;

/** Where the CloudWatch Logs bytes of one webhook come from, measured unless marked. */
export function logBytesPerWebhook(measured: Measured, scenario: Scenario) {
  const platform = ASSUMPTIONS.platformLogBytesPerInvocation;
  const attempts = 1 + scenario.deferredShare;
  const batches = attempts / scenario.recordsPerBatch;
  return [
    { source: 'API Gateway access log line (typical values)', bytes: accessLogBytesPerRequest },
    { source: 'ingest: its lines per 202', bytes: measured.ingestLogBytes },
    { source: 'ingest: Lambda START/END/REPORT (assumed)', bytes: platform },
    { source: 'distribute: its line per record, deferrals included', bytes: measured.workerLogBytes.perRecord * attempts },
    { source: 'distribute: its lines per batch, shared by the batch', bytes: measured.workerLogBytes.perBatch * batches },
    { source: 'distribute: Lambda START/END/REPORT, shared by the batch (assumed)', bytes: platform * batches },
  ];
}

/**
 * The bill for `webhooks` webhooks, one line per item: `basis` is the same in every scenario,
 * `detail` may differ; `fixedUsd` is what the design's requests cost, which no log cut or faster code reaches.
 */
export function costOf(measured: Measured, scenario: Scenario, webhooks = 1_000_000) {
  const { recordsPerBatch: batch, backlog, deferredShare } = scenario;
  const { ingestMemoryMb, workerMemoryMb } = settings;
  const lambdaRequests = (invocations: number) => invocations * perMillion(PRICES.lambdaPerMillionRequests);
  const lambda = (memoryMb: number, invocations: number, billedMs: number, initMs: number) => {
    const seconds = (invocations * (billedMs + scenario.coldStartShare * initMs * slowdown(memoryMb))) / 1000;
    return lambdaRequests(invocations) + (memoryMb / 1024) * seconds * PRICES.lambdaArmPerGbSecond.usd;
  };
  const ingestMs = Math.ceil(measured.ingestCpuMs * slowdown(ingestMemoryMb) + ASSUMPTIONS.sqsSendMs);
  const ingestInit = Math.round(measured.ingestInitMs * slowdown(ingestMemoryMb));
  // A deferred send-out goes through a batch a second time.
  const attempts = webhooks * (1 + deferredShare);
  const batches = attempts / batch;
  // A batch's records run concurrently: their CPU adds up, their I/O overlaps; in a backlog each
  // waits its turn, workers ÷ rate seconds apart, and the waits are billed.
  const dynamoCalls = ASSUMPTIONS.dynamoWritesPerSendOut + 1;
  const workMs =
    batch * measured.workerCpuMsPerRecord * slowdown(workerMemoryMb) + dynamoCalls * ASSUMPTIONS.dynamoCallMs + ASSUMPTIONS.sesSendMs;
  const pacedMs = backlog ? (batch * 1000 * backlog.workers) / backlog.ratePerSecond : 0;
  const batchMs = Math.ceil(Math.max(workMs, pacedMs));
  // The ingest's SendMessage, a deferral's SendMessage, and the event source's receive and delete per batch.
  const sqsRequests = webhooks * (1 + deferredShare) + 2 * batches;
  const writes = webhooks * (ASSUMPTIONS.dynamoWritesPerSendOut + deferredShare * ASSUMPTIONS.dynamoWritesPerDeferral);
  const readUnits = attempts * ASSUMPTIONS.dynamoReadUnitsPerSendOut;
  const logBytes = webhooks * logBytesPerWebhook(measured, scenario).reduce((total, part) => total + part.bytes, 0);
  const line = (item: string, basis: string, detail: string, usd: number, fixedUsd = usd) => ({ item, basis, detail, usd, fixedUsd });
  return [
    line(
      'API Gateway HTTP API',
      `${price(PRICES.httpApiPerMillion)}/M requests, 1 per webhook`,
      '',
      webhooks * perMillion(PRICES.httpApiPerMillion),
    ),
    line(
      'Lambda ingest',
      `${ingestMemoryMb} MB × ${ingestMs} ms at $${PRICES.lambdaArmPerGbSecond.usd}/GB-s + ${price(PRICES.lambdaPerMillionRequests)}/M; INIT ${ingestInit} ms`,
      '',
      lambda(ingestMemoryMb, webhooks, ingestMs, measured.ingestInitMs),
      lambdaRequests(webhooks),
    ),
    line(
      'SQS',
      `${price(PRICES.sqsPerMillionRequests)}/M requests; per webhook:`,
      (sqsRequests / webhooks).toFixed(2),
      sqsRequests * perMillion(PRICES.sqsPerMillionRequests),
    ),
    line(
      'Lambda distribute',
      `${workerMemoryMb} MB × ms per batch, priced alike:`,
      String(batchMs),
      lambda(workerMemoryMb, batches, batchMs, measured.workerInitMs),
      lambdaRequests(batches),
    ),
    line(
      'DynamoDB on demand',
      `${price(PRICES.dynamoPerMillionWrites)}/M writes, ${price(PRICES.dynamoPerMillionReadUnits)}/M read units: 2 writes and ½ unit a send-out, 2 writes a deferral`,
      '',
      writes * perMillion(PRICES.dynamoPerMillionWrites) + readUnits * perMillion(PRICES.dynamoPerMillionReadUnits),
    ),
    line(
      'CloudWatch Logs',
      `${price(PRICES.logsPerGb)}/GB; B per webhook:`,
      String(Math.round(logBytes / webhooks)),
      (logBytes / 1024 ** 3) * PRICES.logsPerGb.usd,
      0,
    ),
    line('SES', '1 e-mail per send-out', '', webhooks * (PRICES.sesPerThousandEmails.usd / 1000)),
  ];
}

/** A burst drained by SES at a new account's rate, shared by `workers` containers. */
const burst = (workers: number): Scenario => ({
  name: `burst of 100,000, ${Math.round(100_000 / ASSUMPTIONS.sesRatePerSecond / 3600)} h at SES's ${ASSUMPTIONS.sesRatePerSecond}/s, ${workers} workers (${settings.batchSize} per batch, 1% throttled once)`,
  recordsPerBatch: settings.batchSize,
  coldStartShare: 0.001,
  backlog: { ratePerSecond: ASSUMPTIONS.sesRatePerSecond, workers },
  deferredShare: 0.01,
});

export async function runCost(context: BenchContext): Promise<BenchOutput> {
  const measured = measuredInputs(context);
  const scenarios: Scenario[] = [
    {
      name: `steady, no send waits (${settings.batchSize} per batch, 0.1% cold)`,
      recordsPerBatch: settings.batchSize,
      coldStartShare: 0.001,
      deferredShare: 0,
    },
    { name: 'a trickle (1 per batch, 1% cold)', recordsPerBatch: 1, coldStartShare: 0.01, deferredShare: 0 },
    // Pacing at the event source's maxConcurrency of 2; data.burstWithFiveWorkers shows 5.
    burst(2),
  ];
  const usd = (value: number) => `$${value.toFixed(value >= 10 ? 2 : 3)}`;
  const costs = scenarios.map((s) => costOf(measured, s));
  const sum = (lines: (typeof costs)[number], part: 'usd' | 'fixedUsd') =>
    lines.filter((line) => line.item !== 'SES').reduce((total, line) => total + line[part], 0);
  // The e-mail is the same in every scenario and outside the target: in the data, not the table.
  const costRows = costs[0]!
    .map((line, index) => {
      const details = costs.map((lines) => lines[index]!.detail);
      const detail = new Set(details).size > 1 ? details.join(' / ') : details[0];
      return [line.item, [line.basis, detail].filter(Boolean).join(' '), ...costs.map((lines) => usd(lines[index]!.usd))];
    })
    .filter(([item]) => item !== 'SES');
  costRows.push(['**without the e-mail**', '', ...costs.map((lines) => `**${usd(sum(lines, 'usd'))}**`)]);
  costRows.push([
    'of which per-request charges',
    'API, SQS, DynamoDB, Lambda requests: no log cut reaches them',
    ...costs.map((lines) => usd(sum(lines, 'fixedUsd'))),
  ]);
  const logs = scenarios.map((s) => logBytesPerWebhook(measured, s));
  const logRows = logs[0]!.map((part, index) => [part.source, ...logs.map((parts) => Math.round(parts[index]!.bytes))]);
  logRows.push(['**total**', ...logs.map((parts) => `**${Math.round(parts.reduce((total, part) => total + part.bytes, 0))}**`)]);
  const fiveWorkers = costOf(measured, burst(5));
  return {
    method: `us-east-1 list prices of ${PRICES_DATE}; billed Lambda ms = CPU measured here × (${ASSUMPTIONS.fullVcpuMb} MB ÷ memory size) + assumed in-AWS latencies, rounded up to 1 ms; in a backlog at least workers ÷ rate seconds per record.`,
    tables: [
      { title: 'Cost per million webhooks', markdown: markdownTable(['item', 'basis', ...scenarios.map((s) => s.name)], costRows) },
      { title: 'CloudWatch Logs bytes per webhook', markdown: markdownTable(['source', ...scenarios.map((s) => s.name)], logRows) },
    ],
    data: {
      pricesDate: PRICES_DATE,
      prices: PRICES,
      assumptions: { ...ASSUMPTIONS, accessLogBytesPerRequest },
      settings,
      measured,
      scenarios,
      costs,
      burstWithFiveWorkers: { lines: fiveWorkers, withoutEmail: sum(fiveWorkers, 'usd') },
    },
  };
}
