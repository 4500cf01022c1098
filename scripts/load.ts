/**
 * npm run load -- [--count N] [--concurrency C] [--duplicates 0.1] [--workers W] [--channel outbox|ses]
 *
 * Drives `npm start`'s pipeline, started here in-process on a free port, with N signed webhooks of
 * mixed kinds (plain message, promotion, unique code, and some customers without an e-mail), of
 * which a share are re-posts of send-outs already accepted (as Voucherify's retries and manual
 * re-sends are). Then waits for the worker to drain the queue and checks the outbox: every
 * accepted deliverable send-out delivered exactly once. Exits non-zero if anything was lost or
 * delivered twice.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable, percentile, progressBar } from '../local/latencyStats.ts';
import { startLocalStack } from '../local/localStack.ts';
import { createWebhookClient, freshEnvelopeId, runWithConcurrency } from '../local/webhookClient.ts';

const FIXTURES = resolve(import.meta.dirname, '../test/fixtures/voucherify');
const SECRET = 'load-test-secret';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '32' },
    duplicates: { type: 'string', default: '0.1' },
    workers: { type: 'string', default: '4' },
    'drain-timeout': { type: 'string', default: '300' },
    json: { type: 'string' },
  },
});
const count = Number(values.count);
const concurrency = Number(values.concurrency);
const duplicateShare = Number(values.duplicates);
const workers = Number(values.workers);
if (![count, concurrency, workers].every((n) => Number.isInteger(n) && n > 0) || !(duplicateShare >= 0 && duplicateShare < 1)) {
  console.error('usage: npm run load -- [--count N] [--concurrency C] [--duplicates 0..1] [--workers W]');
  process.exit(2);
}

/** The kinds in the mix, with their share; `deliverable` is false for a customer without an e-mail. */
const MIX = [
  { file: 'segment-entered-plain-message.json', share: 0.3, deliverable: true },
  { file: 'segment-entered-promotion.json', share: 0.3, deliverable: true },
  { file: 'segment-entered-unique-code.json', share: 0.35, deliverable: true },
  { file: 'segment-entered-minimal.json', share: 0.05, deliverable: false },
] as const;
const templates = MIX.map((kind) => ({ ...kind, body: JSON.parse(readFileSync(join(FIXTURES, kind.file), 'utf8')) as Record<string, any> }));

interface SendOut {
  readonly id: string;
  readonly eventId: string;
  readonly body: string;
  readonly deliverable: boolean;
}

/** A new send-out: fresh envelope and event ids, so each delivered line can be traced to one send-out. */
function newSendOut(index: number): SendOut {
  let pick = (index * 0.6180339887) % 1;
  const template = templates.find((candidate) => (pick -= candidate.share) < 0) ?? templates[0]!;
  const id = freshEnvelopeId();
  const eventId = `evcus_load_${index.toString(36)}_${id.slice(4, 12)}`;
  const body = structuredClone(template.body);
  body.id = id;
  body.event.id = eventId;
  body.created_at = new Date().toISOString();
  return { id, eventId, body: JSON.stringify(body), deliverable: template.deliverable };
}

const directory = mkdtempSync(join(tmpdir(), 'voucherify-load-'));
const outboxFile = join(directory, 'outbox.jsonl');
const peakRss = { value: process.memoryUsage.rss() };
const rssTimer = setInterval(() => (peakRss.value = Math.max(peakRss.value, process.memoryUsage.rss())), 100);
const quiet = captureLogs();
const stack = await startLocalStack({
  port: 0,
  secret: SECRET,
  channel: 'outbox',
  outboxFile,
  workerConcurrency: workers,
  extraEnvironment: { POWERTOOLS_LOG_LEVEL: 'WARN' },
});
const client = createWebhookClient({ url: stack.url, secret: SECRET, maxSockets: concurrency });

const accepted: SendOut[] = [];
const statuses = new Map<string, number>();
const latencies: number[] = [];
let duplicatesPosted = 0;
const bar = progressBar('posting', count);
const started = performance.now();
let done = 0;
await runWithConcurrency(count, concurrency, async (index) => {
  const repost = accepted.length > 0 && (index * 0.7548776662) % 1 < duplicateShare;
  const sendOut = repost ? accepted[Math.floor(((index * 0.5698402910) % 1) * accepted.length)]! : newSendOut(index);
  let status: string;
  try {
    const response = await client.post(sendOut.body);
    latencies.push(response.latencyMs);
    status = String(response.status);
    if (response.status === 202 && !repost) accepted.push(sendOut);
    if (repost) duplicatesPosted++;
  } catch (error) {
    status = `error (${(error as Error).message})`;
  }
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
  bar.update(++done, `${accepted.length} accepted`);
});
bar.finish();
const postSeconds = (performance.now() - started) / 1000;

const drainStarted = performance.now();
let drained = true;
const drainBar = progressBar('draining', accepted.length);
const drainProgress = setInterval(() => drainBar.update(countLines(outboxFile)), 200);
try {
  await stack.waitUntilDrained(Number(values['drain-timeout']) * 1000);
} catch {
  drained = false;
}
clearInterval(drainProgress);
drainBar.finish();
const drainSeconds = (performance.now() - drainStarted) / 1000;
const totalSeconds = (performance.now() - started) / 1000;
const depths = await stack.queueDepths();
client.close();
await stack.stop(1000);
clearInterval(rssTimer);
quiet.restore();

const lines = readLines(outboxFile);
const deliveredCount = new Map<string, number>();
for (const line of lines) deliveredCount.set(String(line.event_id), (deliveredCount.get(String(line.event_id)) ?? 0) + 1);
const expected = accepted.filter((sendOut) => sendOut.deliverable);
const lost = expected.filter((sendOut) => !deliveredCount.has(sendOut.eventId)).length;
const duplicatesDelivered = [...deliveredCount.values()].reduce((sum, n) => sum + (n - 1), 0);
const unexpected = [...deliveredCount.keys()].filter((eventId) => !expected.some((sendOut) => sendOut.eventId === eventId)).length;
rmSync(directory, { recursive: true, force: true });

const summary = {
  requests: count,
  accepted_send_outs: accepted.length,
  reposts_of_accepted: duplicatesPosted,
  deliverable: expected.length,
  delivered: deliveredCount.size,
  duplicates_delivered: duplicatesDelivered,
  lost,
  unexpected_deliveries: unexpected,
  dead_lettered: depths.deadLettered,
  ack_latency_p50_ms: Number(percentile(latencies, 0.5).toFixed(1)),
  ack_latency_p99_ms: Number(percentile(latencies, 0.99).toFixed(1)),
  accepted_per_second: Number((count / postSeconds).toFixed(0)),
  delivered_per_second: Number((deliveredCount.size / totalSeconds).toFixed(0)),
  post_seconds: Number(postSeconds.toFixed(2)),
  drain_seconds_after_last_ack: Number(drainSeconds.toFixed(2)),
  drained,
  peak_rss_mib: Number((peakRss.value / 1024 / 1024).toFixed(0)),
  concurrency,
  workers,
};
console.log(
  formatTable([
    ['requests posted', summary.requests],
    ...[...statuses.entries()].sort().map(([status, n]) => [`  status ${status}`, n] as const),
    ['accepted send-outs', summary.accepted_send_outs],
    ['re-posts of accepted send-outs', summary.reposts_of_accepted],
    ['deliverable (have an e-mail)', summary.deliverable],
    ['delivered', summary.delivered],
    ['duplicates delivered', summary.duplicates_delivered],
    ['lost', summary.lost],
    ['dead-lettered', summary.dead_lettered],
    ['ack latency p50 / p99', `${summary.ack_latency_p50_ms} / ${summary.ack_latency_p99_ms} ms`],
    ['accepted throughput', `${summary.accepted_per_second} req/s`],
    ['delivery throughput', `${summary.delivered_per_second} deliveries/s (end to end)`],
    ['drain time after last ack', `${summary.drain_seconds_after_last_ack} s${drained ? '' : ' (NOT drained)'}`],
    ['peak RSS (whole local stack)', `${summary.peak_rss_mib} MiB`],
  ]),
);
if (values.json) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(values.json, `${JSON.stringify(summary, null, 2)}\n`);
}
process.exit(lost === 0 && duplicatesDelivered === 0 && unexpected === 0 && drained ? 0 : 1);

function readLines(file: string): Record<string, unknown>[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  } catch {
    return [];
  }
}

function countLines(file: string): number {
  try {
    return readFileSync(file, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}

/** The functions' JSON logs would drown the progress bar: keep them out of the terminal. */
function captureLogs() {
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  return { restore: () => (process.stdout.write = original) };
}
