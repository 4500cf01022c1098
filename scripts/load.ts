/**
 * npm run load -- [--count N] [--concurrency C] [--duplicates 0.1] [--workers W]
 *                 [--drain-timeout SECONDS] [--json FILE]
 *
 * Drives `npm start`'s pipeline (the local stack with its defaults: outbox channel, 30 s
 * visibility timeout, 20 s worker timeout), started here in-process on a free port, with N signed
 * webhooks of mixed kinds (plain message, promotion, unique code, and some customers without an
 * e-mail), of which a share are re-posts of send-outs already accepted (as Voucherify's retries
 * and manual re-sends are). Like Voucherify, it posts again what was not answered with a 2xx (up to
 * three attempts). Then it waits for the worker to drain the queue and checks the outbox: every
 * accepted deliverable send-out delivered exactly once.
 *
 * Prints a progress line while it runs (a bar on a terminal, a line every 10% otherwise) and a
 * summary table at the end. Exits 1 if anything was lost, delivered twice, delivered unasked,
 * never accepted or left in the queue.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable, percentile, progressBar } from '../local/latencyStats.ts';
import { startLocalStack } from '../local/localStack.ts';
import { createWebhookClient, freshEnvelopeId, runWithConcurrency, type WebhookResponse } from '../local/webhookClient.ts';

const FIXTURES = resolve(import.meta.dirname, '../test/fixtures/voucherify');
const SECRET = 'load-test-secret';
/** Voucherify posts a send-out again when it gets no 2xx; here up to this many attempts in all. */
const MAX_ATTEMPTS = 3;
const usage =
  'usage: npm run load -- [--count N] [--concurrency C] [--duplicates 0..1] [--workers W] [--drain-timeout SECONDS] [--json FILE]';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '32' },
    duplicates: { type: 'string', default: '0.1' },
    workers: { type: 'string', default: '4' },
    'drain-timeout': { type: 'string', default: '300' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const count = Number(values.count);
const concurrency = Number(values.concurrency);
const duplicateShare = Number(values.duplicates);
const workers = Number(values.workers);
const drainTimeoutSeconds = Number(values['drain-timeout']);
if (
  ![count, concurrency, workers, drainTimeoutSeconds].every((n) => Number.isInteger(n) && n > 0) ||
  !(duplicateShare >= 0 && duplicateShare < 1)
) {
  console.error(usage);
  process.exit(2);
}

/** The kinds in the mix, with their share; `deliverable` is false for a customer without an e-mail. */
const MIX = [
  { file: 'segment-entered-plain-message.json', share: 0.3, deliverable: true },
  { file: 'segment-entered-promotion.json', share: 0.3, deliverable: true },
  { file: 'segment-entered-unique-code.json', share: 0.35, deliverable: true },
  { file: 'segment-entered-minimal.json', share: 0.05, deliverable: false },
] as const;
const templates = MIX.map((kind) => ({
  ...kind,
  body: JSON.parse(readFileSync(join(FIXTURES, kind.file), 'utf8')) as { id: string; created_at: string; event: { id: string } },
}));

interface SendOut {
  readonly id: string;
  readonly eventId: string;
  readonly body: string;
  readonly deliverable: boolean;
}

/** A new send-out: fresh envelope and event ids, so each delivered line can be traced to one send-out. */
function newSendOut(index: number): SendOut {
  // Spread the kinds evenly over the run (golden-ratio steps) in their shares of the mix.
  const pick = (index * 0.6180339887) % 1;
  let cumulative = 0;
  const template =
    templates.find((candidate) => {
      cumulative += candidate.share;
      return pick < cumulative;
    }) ?? templates[0]!;
  const id = freshEnvelopeId();
  const eventId = `evcus_load_${index.toString(36)}_${id.slice(4, 12)}`;
  const body = structuredClone(template.body);
  body.id = id;
  body.event.id = eventId;
  body.created_at = new Date().toISOString();
  return { id, eventId, body: JSON.stringify(body), deliverable: template.deliverable };
}

/** Progress on stderr: a redrawn bar on a terminal, else a plain line every 10%, so logs of CI runs show it too. */
function progress(label: string, total: number) {
  if (process.stderr.isTTY) return progressBar(label, total);
  let nextTenth = 1;
  return {
    update(done: number, detail = '') {
      if (total === 0 || done < (nextTenth * total) / 10) return;
      while (done >= (nextTenth * total) / 10) nextTenth++;
      process.stderr.write(`${label} ${Math.floor((done / total) * 100)}% ${done}/${total} ${detail}\n`);
    },
    finish() {},
  };
}

// The machine's 1-minute load average before the run: other work on a shared machine skews the figures.
const loadBefore = loadavg()[0] ?? 0;
const directory = mkdtempSync(join(tmpdir(), 'voucherify-load-'));
const outboxFile = join(directory, 'outbox.jsonl');
const peakRss = { value: process.memoryUsage.rss() };
const rssTimer = setInterval(() => (peakRss.value = Math.max(peakRss.value, process.memoryUsage.rss())), 100);
const worker = { batches: 0, records: 0, retried: 0, notDeleted: 0, handlerErrors: 0, pollErrors: 0 };
const quiet = captureLogs();
const stack = await startLocalStack({
  port: 0,
  secret: SECRET,
  channel: 'outbox',
  outboxFile,
  workerConcurrency: workers,
  onBatch: ({ received, failed, handlerError, notDeleted }) => {
    worker.batches++;
    worker.records += received;
    worker.retried += failed;
    worker.notDeleted += notDeleted ?? 0;
    if (handlerError) worker.handlerErrors++;
  },
  onPollError: () => worker.pollErrors++,
});
const client = createWebhookClient({ url: stack.url, secret: SECRET, maxSockets: concurrency });

const accepted: SendOut[] = [];
const neverAccepted: SendOut[] = [];
const statuses = new Map<string, number>();
const latencies: number[] = [];
let repostsOfAccepted = 0;
let retriedPosts = 0;

async function postUntilAccepted(sendOut: SendOut): Promise<boolean> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (attempt > 1) retriedPosts++;
    let status: string;
    let response: WebhookResponse | undefined;
    try {
      response = await client.post(sendOut.body);
      latencies.push(response.latencyMs);
      status = String(response.status);
    } catch (error) {
      status = `error (${(error as Error).message})`;
    }
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (response && response.status >= 200 && response.status < 300) return true;
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 100 * attempt));
  }
  return false;
}

const bar = progress('posting', count);
const started = performance.now();
let done = 0;
await runWithConcurrency(count, concurrency, async (index) => {
  const repost = accepted.length > 0 && (index * 0.7548776662) % 1 < duplicateShare;
  const sendOut = repost ? accepted[Math.floor(((index * 0.569840291) % 1) * accepted.length)]! : newSendOut(index);
  if (repost) repostsOfAccepted++;
  const acknowledged = await postUntilAccepted(sendOut);
  if (!repost) (acknowledged ? accepted : neverAccepted).push(sendOut);
  bar.update(++done, `${accepted.length} accepted`);
});
bar.finish();
const lastAckAt = performance.now();
const postSeconds = (lastAckAt - started) / 1000;

let drained = true;
const deliverable = accepted.filter((sendOut) => sendOut.deliverable).length;
const drainBar = progress('delivering', deliverable);
const drainProgress = setInterval(() => drainBar.update(countLines(outboxFile), 'lines in the outbox'), 200);
try {
  await stack.waitUntilDrained(drainTimeoutSeconds * 1000);
} catch {
  drained = false;
}
clearInterval(drainProgress);
drainBar.update(countLines(outboxFile), 'lines in the outbox');
drainBar.finish();
const drainedAt = performance.now();
const lastDeliveryAt = lastModifiedAt(outboxFile);
const depths = await stack.queueDepths();
client.close();
const { undelivered } = await stack.stop(1000);
clearInterval(rssTimer);
quiet.restore();

const deliveredCount = new Map<string, number>();
for (const line of readLines(outboxFile)) deliveredCount.set(String(line.event_id), (deliveredCount.get(String(line.event_id)) ?? 0) + 1);
const expected = new Set(accepted.filter((sendOut) => sendOut.deliverable).map((sendOut) => sendOut.eventId));
const lost = [...expected].filter((eventId) => !deliveredCount.has(eventId)).length;
const duplicatesDelivered = [...deliveredCount.values()].reduce((sum, n) => sum + (n - 1), 0);
const unexpected = [...deliveredCount.keys()].filter((eventId) => !expected.has(eventId)).length;
rmSync(directory, { recursive: true, force: true });

const totalSeconds = (drainedAt - started) / 1000;
const summary = {
  requests: count,
  posts_including_retries: count + retriedPosts,
  accepted_send_outs: accepted.length,
  never_accepted: neverAccepted.length,
  reposts_of_accepted: repostsOfAccepted,
  deliverable: expected.size,
  delivered: deliveredCount.size,
  duplicates_delivered: duplicatesDelivered,
  lost,
  unexpected_deliveries: unexpected,
  dead_lettered: depths.deadLettered,
  left_in_queue: undelivered,
  ack_latency_p50_ms: Number(percentile(latencies, 0.5).toFixed(1)),
  ack_latency_p99_ms: Number(percentile(latencies, 0.99).toFixed(1)),
  ack_latency_max_ms: Number(percentile(latencies, 1).toFixed(1)),
  requests_per_second: Number((count / postSeconds).toFixed(0)),
  deliveries_per_second_end_to_end: Number((deliveredCount.size / totalSeconds).toFixed(0)),
  post_seconds: Number(postSeconds.toFixed(2)),
  last_delivery_seconds_after_last_ack:
    lastDeliveryAt === undefined ? null : Number(Math.max(0, (lastDeliveryAt - lastAckAtEpoch()) / 1000).toFixed(2)),
  drain_seconds_after_last_ack: Number(((drainedAt - lastAckAt) / 1000).toFixed(2)),
  drained,
  worker_batches: worker.batches,
  worker_records_received: worker.records,
  worker_records_retried: worker.retried,
  worker_records_not_deleted: worker.notDeleted,
  worker_handler_errors: worker.handlerErrors,
  worker_poll_errors: worker.pollErrors,
  peak_rss_mib: Number((peakRss.value / 1024 / 1024).toFixed(0)),
  concurrency,
  workers,
  duplicate_share: duplicateShare,
  node: process.version,
  cpus: `${availableParallelism()} × ${cpus()[0]?.model ?? 'unknown'}`,
  ram_gib: Number((totalmem() / 1024 ** 3).toFixed(1)),
  load_average_before: Number(loadBefore.toFixed(2)),
  load_average_after: Number((loadavg()[0] ?? 0).toFixed(2)),
  date: new Date().toISOString(),
};
console.log(
  formatTable([
    ['requests (send-outs posted)', summary.requests],
    ['  posts incl. retries of non-2xx', summary.posts_including_retries],
    ...[...statuses.entries()].sort().map(([status, n]) => [`  status ${status}`, n] as const),
    ['accepted send-outs', summary.accepted_send_outs],
    ['never accepted (after retries)', summary.never_accepted],
    ['re-posts of accepted send-outs', summary.reposts_of_accepted],
    ['deliverable (have an e-mail)', summary.deliverable],
    ['delivered', summary.delivered],
    ['duplicates delivered', summary.duplicates_delivered],
    ['lost', summary.lost],
    ['unexpected deliveries', summary.unexpected_deliveries],
    ['dead-lettered', summary.dead_lettered],
    ['left in the queue', summary.left_in_queue],
    ['ack latency p50 / p99 / max', `${summary.ack_latency_p50_ms} / ${summary.ack_latency_p99_ms} / ${summary.ack_latency_max_ms} ms`],
    ['request throughput', `${summary.requests_per_second} req/s over ${summary.post_seconds} s`],
    ['delivery throughput', `${summary.deliveries_per_second_end_to_end} deliveries/s (end to end)`],
    [
      'last delivery after last ack',
      summary.last_delivery_seconds_after_last_ack === null ? '-' : `${summary.last_delivery_seconds_after_last_ack} s`,
    ],
    ['drain time after last ack', `${summary.drain_seconds_after_last_ack} s${drained ? '' : ' (NOT drained)'}`],
    ['worker batches / records', `${summary.worker_batches} / ${summary.worker_records_received}`],
    ['records retried (batchItemFailures)', summary.worker_records_retried],
    ['peak RSS (whole local stack)', `${summary.peak_rss_mib} MiB`],
    ['concurrency / workers', `${concurrency} / ${workers}`],
    ['machine', `${summary.cpus}, ${summary.ram_gib} GiB, Node ${summary.node}`],
    ['load average before / after (1 min)', `${summary.load_average_before} / ${summary.load_average_after}`],
  ]),
);
if (values.json) writeFileSync(values.json, `${JSON.stringify(summary, null, 2)}\n`);
const passed = lost === 0 && duplicatesDelivered === 0 && unexpected === 0 && neverAccepted.length === 0 && drained && undelivered === 0;
process.exit(passed ? 0 : 1);

/** When the last line was written to the outbox, as epoch milliseconds. */
function lastModifiedAt(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The moment of the last acknowledgement on the same clock as file times. */
function lastAckAtEpoch(): number {
  return performance.timeOrigin + lastAckAt;
}

function readLines(file: string): Record<string, unknown>[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
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

/**
 * The functions' JSON logs (INFO on stdout; WARN and ERROR, e.g. a duplicate found in flight, on
 * stderr) would drown the progress and the table: keep them out of the terminal. Lines that are not
 * JSON (the progress) go through.
 */
function captureLogs() {
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  const filter = (stream: NodeJS.WriteStream, original: typeof process.stdout.write) =>
    ((chunk: unknown, ...rest: unknown[]) => {
      if (String(chunk).startsWith('{')) {
        const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }
      return original.call(stream, chunk as string, ...(rest as []));
    }) as typeof process.stdout.write;
  process.stdout.write = filter(process.stdout, originals.stdout);
  process.stderr.write = filter(process.stderr, originals.stderr);
  return {
    restore: () => {
      process.stdout.write = originals.stdout;
      process.stderr.write = originals.stderr;
    },
  };
}
