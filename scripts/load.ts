/**
 * npm run load -- [--count N] [--concurrency C] [--duplicates 0.1] [--workers W]
 *                 [--drain-timeout SECONDS] [--json FILE]
 * npm run load -- --provider-rate R [--channel http|ses] [--count N] [--concurrency C] [--workers W]
 *                 [--drain-timeout SECONDS] [--plot FILE.svg] [--json FILE]
 *
 * Mixed mode (no --provider-rate) drives `npm start`'s pipeline (the local stack with its
 * defaults: outbox channel, 30 s visibility timeout, 20 s worker timeout), started here in-process
 * on a free port, with N signed webhooks of mixed kinds (plain message, promotion, unique code, and
 * some customers without an e-mail), of which a share are re-posts of send-outs already accepted
 * (as Voucherify's retries and manual re-sends are). Like Voucherify, it posts again what was not
 * answered with a 2xx (up to three attempts). Then it waits for the worker to drain the queue and
 * checks the outbox: every accepted deliverable send-out delivered exactly once. Exits 1 if
 * anything was lost, delivered twice, delivered unasked, never accepted or left in the queue.
 *
 * Burst mode (--provider-rate R) posts N new send-outs, all to customers with an e-mail, as fast
 * as the gateway takes them, through the same pipeline into a provider that throttles above R
 * messages a second (local/throttlingProvider.ts; see local/burstLoad.ts). Its last line on
 * stdout is one JSON object (BurstSummary). Exits 1 if any send-out was lost, delivered twice or
 * dead-lettered, or the drain was slower than 0.9 × R.
 *
 * Prints a progress line while it runs (a bar on a terminal, a line every 10% otherwise) and a
 * summary table at the end.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { burstChartSvg, LOAD_WEBHOOK_SECRET, MIN_DRAIN_SHARE_OF_RATE, runBurstLoad } from '../local/burstLoad.ts';
import { formatTable, percentile } from '../local/latencyStats.ts';
import { captureLogs, machineFacts, machineRows, outcomeRows, progress, statusRows, workerCounters } from '../local/loadHarness.ts';
import { type SendOut, sendOutFactory, webhookPoster } from '../local/loadSendOuts.ts';
import { startLocalStack } from '../local/localStack.ts';
import { createWebhookClient, runWithConcurrency } from '../local/webhookClient.ts';

const usage = `usage: npm run load -- [--count N] [--concurrency C] [--duplicates 0..1] [--workers W] [--drain-timeout SECONDS] [--json FILE]
       npm run load -- --provider-rate R [--channel http|ses] [--count N] [--concurrency C] [--workers W]
                       [--drain-timeout SECONDS] [--plot FILE.svg] [--json FILE]

Burst mode (--provider-rate): N deliverable webhooks at once into a provider (http receiver or SES
API, default http) that throttles above R messages a second. The last stdout line is one JSON
object: count, accepted, delivered, duplicates (a send-out delivered more than once), lost (accepted,
never delivered), dead_lettered, throttled_responses, provider_rate, drain_per_s, ack_p50_ms,
ack_p99_ms, drain_seconds. drain_seconds runs from the first accepted webhook's post to the
provider's last acceptance; drain_per_s = delivered / drain_seconds. Fails unless nothing is lost,
duplicated or dead-lettered and drain_per_s >= ${MIN_DRAIN_SHARE_OF_RATE} x R. --plot writes an SVG of
accepted webhooks, deliveries and throttled responses per second against the rate.
The drain timeout defaults to 300 s, in burst mode to 2 x N / R + 120 s.`;

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '32' },
    duplicates: { type: 'string' },
    workers: { type: 'string', default: '4' },
    'drain-timeout': { type: 'string' },
    json: { type: 'string' },
    'provider-rate': { type: 'string' },
    channel: { type: 'string' },
    plot: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const wrongUse = (problem: string): never => {
  console.error(`${problem}\n\n${usage}`);
  process.exit(2);
};
const positiveInteger = (name: string, text: string | undefined): number => {
  const value = Number(text);
  return Number.isInteger(value) && value > 0 ? value : wrongUse(`--${name} must be a positive integer, got "${text}"`);
};
const count = positiveInteger('count', values.count);
const concurrency = positiveInteger('concurrency', values.concurrency);
const workers = positiveInteger('workers', values.workers);

if (values['provider-rate'] !== undefined) {
  const providerRate = Number(values['provider-rate']);
  if (!(providerRate > 0)) wrongUse(`--provider-rate must be a positive number, got "${values['provider-rate']}"`);
  const channel = values.channel ?? 'http';
  if (channel !== 'http' && channel !== 'ses') wrongUse(`--channel must be http or ses in burst mode, got "${channel}"`);
  if (values.duplicates !== undefined) wrongUse('--duplicates is for mixed mode (without --provider-rate)');
  await burstMode({
    count,
    concurrency,
    workers,
    providerRate,
    channel: channel as 'http' | 'ses',
    drainTimeoutSeconds:
      values['drain-timeout'] === undefined
        ? Math.ceil((2 * count) / providerRate) + 120
        : positiveInteger('drain-timeout', values['drain-timeout']),
  });
} else {
  if (values.channel !== undefined || values.plot !== undefined) wrongUse('--channel and --plot need --provider-rate');
  const duplicateShare = Number(values.duplicates ?? '0.1');
  if (!(duplicateShare >= 0 && duplicateShare < 1)) wrongUse(`--duplicates must be at least 0 and below 1, got "${values.duplicates}"`);
  await mixedMode({
    count,
    concurrency,
    workers,
    duplicateShare,
    drainTimeoutSeconds: values['drain-timeout'] === undefined ? 300 : positiveInteger('drain-timeout', values['drain-timeout']),
  });
}

async function burstMode(options: Parameters<typeof runBurstLoad>[0]): Promise<never> {
  const loadBefore = machineFacts().load_average;
  const quiet = captureLogs();
  const report = await runBurstLoad(options).finally(() => quiet.restore());
  const { summary, details } = report;
  console.log(
    formatTable([
      ['webhooks posted', summary.count],
      ['  posts incl. retries of non-2xx', summary.count + details.retriedPosts],
      ...statusRows(details.statuses),
      ['accepted send-outs', summary.accepted],
      ['never accepted (after retries)', details.neverAccepted],
      ...outcomeRows({
        delivered: summary.delivered,
        duplicates: summary.duplicates,
        lost: summary.lost,
        unexpected: details.unexpectedDeliveries,
        deadLettered: summary.dead_lettered,
        leftInQueue: details.leftInQueue,
      }),
      ['throttled responses (429)', summary.throttled_responses],
      ['refused by the provider', details.refusedByProvider],
      ['ack latency p50 / p99 / max', `${summary.ack_p50_ms} / ${summary.ack_p99_ms} / ${details.ackMaxMs} ms`],
      ['posting', `${Math.round(summary.count / details.postSeconds)} webhooks/s over ${details.postSeconds} s`],
      [
        'drain',
        `${summary.drain_per_s}/s over ${summary.drain_seconds} s (provider rate ${summary.provider_rate}/s, ${options.channel})${details.drained ? '' : ' NOT drained'}`,
      ],
      ['worker batches / records', `${details.worker.batches} / ${details.worker.records}`],
      ['records retried (batchItemFailures)', details.worker.retried],
      ['concurrency / workers', `${options.concurrency} / ${options.workers}`],
      ...machineRows(loadBefore),
      ...report.failures.map((failure) => ['FAILED', failure] as const),
    ]),
  );
  if (values.plot) writeFileSync(values.plot, burstChartSvg(report, options.channel));
  if (values.json) writeFileSync(values.json, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(JSON.stringify(summary));
  process.exit(report.failures.length === 0 ? 0 : 1);
}

interface MixedOptions {
  readonly count: number;
  readonly concurrency: number;
  readonly workers: number;
  readonly duplicateShare: number;
  readonly drainTimeoutSeconds: number;
}

async function mixedMode({ count, concurrency, workers, duplicateShare, drainTimeoutSeconds }: MixedOptions): Promise<never> {
  const loadBefore = machineFacts().load_average;
  const directory = mkdtempSync(join(tmpdir(), 'voucherify-load-'));
  const outboxFile = join(directory, 'outbox.jsonl');
  const peakRss = { value: process.memoryUsage.rss() };
  const rssTimer = setInterval(() => (peakRss.value = Math.max(peakRss.value, process.memoryUsage.rss())), 100);
  const worker = workerCounters();
  const quiet = captureLogs();
  const stack = await startLocalStack({
    port: 0,
    secret: LOAD_WEBHOOK_SECRET,
    channel: 'outbox',
    outboxFile,
    workerConcurrency: workers,
    ...worker.hooks,
  });
  const client = createWebhookClient({ url: stack.url, secret: LOAD_WEBHOOK_SECRET, maxSockets: concurrency });
  const poster = webhookPoster(client);
  const newSendOut = sendOutFactory();

  const accepted: SendOut[] = [];
  const neverAccepted: SendOut[] = [];
  let repostsOfAccepted = 0;

  const bar = progress('posting', count);
  const started = performance.now();
  let done = 0;
  await runWithConcurrency(count, concurrency, async (index) => {
    const repost = accepted.length > 0 && (index * 0.7548776662) % 1 < duplicateShare;
    const sendOut = repost ? accepted[Math.floor(((index * 0.569840291) % 1) * accepted.length)]! : newSendOut(index);
    if (repost) repostsOfAccepted++;
    const acknowledged = (await poster.post(sendOut)) !== undefined;
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

  const latencies = poster.latenciesMs;
  const totalSeconds = (drainedAt - started) / 1000;
  // The moment of the last acknowledgement on the same clock as file times.
  const lastAckAtEpoch = performance.timeOrigin + lastAckAt;
  const machine = machineFacts();
  const summary = {
    requests: count,
    posts_including_retries: count + poster.retriedPosts,
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
      lastDeliveryAt === undefined ? null : Number(Math.max(0, (lastDeliveryAt - lastAckAtEpoch) / 1000).toFixed(2)),
    drain_seconds_after_last_ack: Number(((drainedAt - lastAckAt) / 1000).toFixed(2)),
    drained,
    worker_batches: worker.counts.batches,
    worker_records_received: worker.counts.records,
    worker_records_retried: worker.counts.retried,
    worker_records_not_deleted: worker.counts.notDeleted,
    worker_handler_errors: worker.counts.handlerErrors,
    worker_poll_errors: worker.counts.pollErrors,
    peak_rss_mib: Number((peakRss.value / 1024 / 1024).toFixed(0)),
    concurrency,
    workers,
    duplicate_share: duplicateShare,
    node: machine.node,
    cpus: machine.cpus,
    ram_gib: machine.ram_gib,
    load_average_before: loadBefore,
    load_average_after: machine.load_average,
    date: new Date().toISOString(),
  };
  console.log(
    formatTable([
      ['requests (send-outs posted)', summary.requests],
      ['  posts incl. retries of non-2xx', summary.posts_including_retries],
      ...statusRows(poster.statuses),
      ['accepted send-outs', summary.accepted_send_outs],
      ['never accepted (after retries)', summary.never_accepted],
      ['re-posts of accepted send-outs', summary.reposts_of_accepted],
      ['deliverable (have an e-mail)', summary.deliverable],
      ...outcomeRows({
        delivered: summary.delivered,
        duplicates: summary.duplicates_delivered,
        lost: summary.lost,
        unexpected: summary.unexpected_deliveries,
        deadLettered: summary.dead_lettered,
        leftInQueue: summary.left_in_queue,
      }),
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
}

/** When the last line was written to the outbox, as epoch milliseconds. */
function lastModifiedAt(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
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
