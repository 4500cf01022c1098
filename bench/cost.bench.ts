/**
 * Cost per million webhooks on AWS (us-east-1), from public prices (cited in BENCHMARKS.md, looked up
 * on the date below) and this project's own measurements: the Lambda memory sizes in the stack's
 * defaults, CPU time per request measured by the ingest and worker benchmarks, and the request
 * counts the design implies (one SendMessage per webhook, batches of 10, two conditional writes
 * per delivery). What cannot be measured here (SQS, DynamoDB and SES latency inside AWS) is an
 * explicit assumption, and the table shows how little the total depends on it.
 */
import { CONTEXT_DEFAULTS } from '../lib/webhookStackConfig.ts';
import { readResult, writeResult } from './support/results.ts';
import { markdownTable } from './support/stats.ts';

/** Public prices, us-east-1, as looked up on PRICES_DATE (sources in BENCHMARKS.md). */
export const PRICES_DATE = '2026-11-28';
export const PRICES = {
  /** HTTP API, first 300 M requests a month; a request is metered per 512 KB. */
  httpApiPerMillion: 1.0,
  /** REST API, first 333 M requests a month. */
  restApiPerMillion: 3.5,
  lambdaRequestsPerMillion: 0.2,
  /** arm64, first 7.5 B GB-seconds a month. INIT is billed too (since 2025-08-01). */
  lambdaArmPerGbSecond: 0.0000133334,
  /** Standard queue, first 100 B requests a month; each 64 KB of a payload is one request. */
  sqsPerMillionRequests: 0.4,
  /** On-demand, standard table class. */
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
  secretsManagerPerSecretMonth: 0.4,
  secretsManagerPer10kCalls: 0.05,
  /** À la carte (accounts sending before 2025-06-01); the Essentials plan, default for new accounts, is $0.16. */
  sesPerThousandEmails: 0.1,
  sesEssentialsPerThousandEmails: 0.16,
  /** Standard log class, first tier (Lambda logs are billed as vended logs from this rate down). */
  cloudWatchLogsPerGb: 0.5,
} as const;

/** Lambda gives a function one vCPU's worth of CPU at 1,769 MB, proportionally less below. */
const FULL_VCPU_MB = 1769;
const cpuSlowdown = (memoryMb: number) => Math.max(1, FULL_VCPU_MB / memoryMb);

/**
 * Assumptions about latencies inside AWS, which cannot be measured locally. Ranges in BENCHMARKS.md;
 * the Lambda duration line is the only one they move, and it is a few cents per million.
 */
export const ASSUMPTIONS = {
  sqsSendMs: 10,
  dynamoWriteMs: 6,
  sesSendMs: 40,
  /**
   * Bytes of CloudWatch Logs per webhook: API Gateway's access log line (the stack's 15-field JSON,
   * ≈ 400 B), the worker's "Send-out delivered" line, Lambda's START/END/REPORT lines per
   * invocation (≈ 350 B; amortised over 10 records for the worker). The ingest writes no line for
   * an accepted webhook at the default INFO level (a DEBUG line of ≈ 450 B would add ≈ $0.21).
   */
  logBytesPerWebhook: 400 + 520 + 350 + 35,
  /** Body of the message SES sends (HTML + text), for data volume only. */
  emailBytes: 12 * 1024,
};

interface IngestData {
  cases: { case: string; builds: Record<string, { cpuUs: { median: number }; wallUs: { median: number } }> }[];
}
interface WorkerData {
  channels: { channel: string; ours: { cpuUs: { median: number } } }[];
}
interface ColdData {
  modes: Record<string, Record<string, { importMs: { median: number }; firstRequestMs: { median: number } }>>;
}

const ingest = readResult<IngestData>('ingest')?.data;
const worker = readResult<WorkerData>('worker')?.data;
const cold = readResult<ColdData>('coldStart')?.data;

// Measured on this machine (x86, 2 cores, Firecracker VM with slow syscalls): used as the CPU a
// request needs, scaled by Lambda's CPU share for the memory size. Conservative for Graviton.
const ingestCpuMs = (ingest?.cases.find((row) => row.case.startsWith('202'))?.builds.ours?.cpuUs.median ?? 1500) / 1000;
const workerCpuMsPerRecord = (worker?.channels.find((row) => row.channel === 'http')?.ours.cpuUs.median ?? 4000) / 1000;
const asDeployed = cold ? Object.values(cold.modes)[0] : undefined;
const ingestInitMs = asDeployed?.ours?.importMs.median ?? 150;
const workerInitMs = asDeployed?.['distribute (import only)']?.importMs.median ?? 250;

const ingestMemoryMb = CONTEXT_DEFAULTS.ingestMemoryMb;
const workerMemoryMb = CONTEXT_DEFAULTS.workerMemoryMb;
const batchSize = CONTEXT_DEFAULTS.batchSize;

/** Estimated billed duration (ms, rounded up to the next ms) of one invocation. */
const ingestDurationMs = (memoryMb: number) => Math.ceil(ingestCpuMs * cpuSlowdown(memoryMb) + ASSUMPTIONS.sqsSendMs);
/** A batch: the records' CPU in series (one vCPU share), their I/O overlapped (claim, send, complete). */
const workerBatchDurationMs = (memoryMb: number, records: number) =>
  Math.ceil(workerCpuMsPerRecord * records * cpuSlowdown(memoryMb) + 2 * ASSUMPTIONS.dynamoWriteMs + ASSUMPTIONS.sesSendMs);
const gbSeconds = (memoryMb: number, ms: number) => (memoryMb / 1024) * (ms / 1000);

interface Scenario {
  readonly name: string;
  /** Records per worker invocation: full batches under steady load, single records at a trickle. */
  readonly recordsPerBatch: number;
  /** Share of cold starts among invocations (INIT is billed). */
  readonly coldShare: number;
}
const SCENARIOS: Scenario[] = [
  { name: 'steady traffic (full batches of 10, 0.1% cold starts)', recordsPerBatch: batchSize, coldShare: 0.001 },
  { name: 'a trickle (one record per batch, 1% cold starts)', recordsPerBatch: 1, coldShare: 0.01 },
];

function costPerMillion(scenario: Scenario) {
  const million = 1_000_000;
  const workerInvocations = million / scenario.recordsPerBatch;
  const lines: { item: string; basis: string; usd: number }[] = [];
  lines.push({ item: 'API Gateway HTTP API', basis: '1 request per webhook (≤ 512 KB)', usd: PRICES.httpApiPerMillion });
  lines.push({ item: 'Lambda ingest: requests', basis: '1 invocation per webhook', usd: PRICES.lambdaRequestsPerMillion });
  const ingestMs = ingestDurationMs(ingestMemoryMb) + scenario.coldShare * ingestInitMs * cpuSlowdown(ingestMemoryMb);
  lines.push({
    item: 'Lambda ingest: duration',
    basis: `${ingestMemoryMb} MB arm64 × ~${ingestMs.toFixed(1)} ms (CPU ${ingestCpuMs.toFixed(2)} ms × ${cpuSlowdown(ingestMemoryMb).toFixed(1)} + SQS ${ASSUMPTIONS.sqsSendMs} ms + INIT share)`,
    usd: gbSeconds(ingestMemoryMb, ingestMs) * million * PRICES.lambdaArmPerGbSecond,
  });
  const sqsRequests = million * (1 + 2 / scenario.recordsPerBatch);
  lines.push({
    item: 'SQS',
    basis: `SendMessage per webhook + ReceiveMessage and DeleteMessageBatch per batch of ${scenario.recordsPerBatch} (6 KB < 64 KB: 1 request each)`,
    usd: (sqsRequests / million) * PRICES.sqsPerMillionRequests,
  });
  lines.push({ item: 'Lambda distribute: requests', basis: `1 invocation per ${scenario.recordsPerBatch} record(s)`, usd: (workerInvocations / million) * PRICES.lambdaRequestsPerMillion });
  const batchMs = workerBatchDurationMs(workerMemoryMb, scenario.recordsPerBatch) + scenario.coldShare * workerInitMs * cpuSlowdown(workerMemoryMb);
  lines.push({
    item: 'Lambda distribute: duration',
    basis: `${workerMemoryMb} MB arm64 × ~${batchMs.toFixed(0)} ms per invocation (CPU ${workerCpuMsPerRecord.toFixed(2)} ms/record × ${cpuSlowdown(workerMemoryMb).toFixed(1)}, DynamoDB 2 × ${ASSUMPTIONS.dynamoWriteMs} ms, SES ${ASSUMPTIONS.sesSendMs} ms)`,
    usd: gbSeconds(workerMemoryMb, batchMs) * workerInvocations * PRICES.lambdaArmPerGbSecond,
  });
  lines.push({
    item: 'DynamoDB on demand',
    basis: '2 WRU per delivery (conditional claim + conditional completion, items < 1 KB); no reads on AWS (the failed condition returns the item)',
    usd: 2 * PRICES.dynamoPerMillionWriteUnits,
  });
  lines.push({ item: 'SES (à la carte)', basis: '1 e-mail per delivery at $0.10 / 1,000 (Essentials plan: $0.16)', usd: (million / 1000) * PRICES.sesPerThousandEmails });
  lines.push({
    item: 'CloudWatch Logs',
    basis: `~${ASSUMPTIONS.logBytesPerWebhook} B per webhook (the API access line, the worker's delivery line, Lambda's own lines, EMF amortised)`,
    usd: ((ASSUMPTIONS.logBytesPerWebhook * million) / 1024 ** 3) * PRICES.cloudWatchLogsPerGb,
  });
  const total = lines.reduce((sum, line) => sum + line.usd, 0);
  const withoutEmail = total - lines.find((line) => line.item.startsWith('SES'))!.usd;
  return { lines, total, withoutEmail };
}

const scenarios = SCENARIOS.map((scenario) => ({ scenario, ...costPerMillion(scenario) }));
const usd = (value: number) => (value >= 1 ? `$${value.toFixed(2)}` : `$${value.toFixed(3)}`);
const costTable = markdownTable(
  ['item', 'basis', ...SCENARIOS.map((scenario) => scenario.name)],
  [
    ...scenarios[0]!.lines.map((line, index) => [line.item, line.basis, ...scenarios.map((s) => usd(s.lines[index]!.usd))]),
    ['**total per million webhooks**', '', ...scenarios.map((s) => `**${usd(s.total)}**`)],
    ['total without the e-mail itself', '', ...scenarios.map((s) => usd(s.withoutEmail))],
  ],
);

// Fixed monthly costs, independent of volume.
const secretCallsPerContainerMonth = (30 * 86_400) / CONTEXT_DEFAULTS.secretCacheTtlSeconds;
const fixedTable = markdownTable(
  ['item', 'basis', 'per month'],
  [
    ['Secrets Manager: the signing secret', '1 secret (2 with the http channel’s forwarding secret)', usd(PRICES.secretsManagerPerSecretMonth)],
    [
      'Secrets Manager: GetSecretValue',
      `one call per warm container per ${CONTEXT_DEFAULTS.secretCacheTtlSeconds} s TTL = ${secretCallsPerContainerMonth} calls per container-month`,
      `${usd((secretCallsPerContainerMonth / 10_000) * PRICES.secretsManagerPer10kCalls)} per always-warm container`,
    ],
    [
      'SQS: the event source mapping’s idle long polls',
      'Lambda polls with long polling even when the queue is empty (AWS does not publish the poller count; ~5 pollers × 3 polls/min is the commonly measured figure)',
      `~${usd(((5 * 3 * 60 * 24 * 30) / 1e6) * PRICES.sqsPerMillionRequests)}`,
    ],
  ],
);

// Memory size sensitivity: the Lambda lines at other sizes, steady traffic.
const memoryTable = markdownTable(
  ['memory (MB)', 'ingest warm duration (est.)', 'ingest $ per million', 'ingest cold start INIT (est.)', 'distribute batch of 10 (est.)', 'distribute $ per million records'],
  [128, 256, 512].map((memoryMb) => [
    memoryMb === ingestMemoryMb && memoryMb === workerMemoryMb ? `**${memoryMb}** (chosen)` : memoryMb,
    `${ingestDurationMs(memoryMb)} ms`,
    usd(gbSeconds(memoryMb, ingestDurationMs(memoryMb)) * 1e6 * PRICES.lambdaArmPerGbSecond),
    `${Math.round(ingestInitMs * cpuSlowdown(memoryMb))} ms`,
    `${workerBatchDurationMs(memoryMb, batchSize)} ms`,
    usd(gbSeconds(memoryMb, workerBatchDurationMs(memoryMb, batchSize)) * (1e6 / batchSize) * PRICES.lambdaArmPerGbSecond),
  ]),
);

// API Gateway REST API → SQS direct integration, for comparison.
const direct = PRICES.restApiPerMillion + PRICES.sqsPerMillionRequests;
const oursFront = PRICES.httpApiPerMillion + scenarios[0]!.lines[1]!.usd + scenarios[0]!.lines[2]!.usd + PRICES.sqsPerMillionRequests;
const directTable = markdownTable(
  ['front door (per million webhooks)', 'cost', 'verifies the HMAC over the raw body', 'fails closed', 'precise 4xx (401/413/415/400/422)'],
  [
    ['HTTP API → ingest Lambda → SQS (this stack)', usd(oursFront), 'yes, before anything is queued', 'yes (500 without a secret, 503 when SQS fails)', 'yes'],
    ['REST API → SQS direct integration', usd(direct), 'no: a mapping template cannot compute an HMAC; forged requests are queued and must be checked (and paid for) in the worker', 'no: every request SQS accepts is a 200', 'no: only what API Gateway itself decides (size, throttling); a forged or malformed body gets 200'],
  ],
);

const file = writeResult({
  name: 'cost',
  command: 'npm run bench -- --only cost',
  method: `Public us-east-1 prices as of ${PRICES_DATE}; Lambda durations estimated from the CPU time measured here (ingest ${ingestCpuMs.toFixed(2)} ms per 202, worker ${workerCpuMsPerRecord.toFixed(2)} ms per record) scaled by Lambda's CPU share (1,769 MB = 1 vCPU), plus assumed in-AWS latencies (SQS ${ASSUMPTIONS.sqsSendMs} ms, DynamoDB ${ASSUMPTIONS.dynamoWriteMs} ms, SES ${ASSUMPTIONS.sesSendMs} ms); memory sizes from the stack's defaults (ingest ${ingestMemoryMb} MB, worker ${workerMemoryMb} MB).`,
  tables: [
    { title: 'Cost per million webhooks (us-east-1, arm64)', markdown: costTable },
    { title: 'Fixed monthly costs', markdown: fixedTable },
    { title: 'Lambda memory size: estimated duration and cost', markdown: memoryTable },
    { title: 'Compared with API Gateway REST API → SQS direct integration', markdown: directTable },
  ],
  data: { prices: PRICES, pricesDate: PRICES_DATE, assumptions: ASSUMPTIONS, ingestCpuMs, workerCpuMsPerRecord, ingestInitMs, workerInitMs, ingestMemoryMb, workerMemoryMb, scenarios },
});
process.stderr.write(`cost: results in ${file}\n`);
process.exit(0);
