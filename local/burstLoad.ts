/**
 * `npm run load -- --provider-rate R`: a burst of new, deliverable send-outs through the whole
 * local pipeline (gateway → ingest → SQS → worker) into a provider that throttles above R messages
 * a second (local/throttlingProvider.ts), then a wait until everything accepted has come out or
 * nothing is left to try. It measures what a merchant's burst costs: whether every send-out is
 * delivered once, none dead-lettered, and how close the drain comes to the provider's rate.
 */
import { percentile } from './latencyStats.ts';
import { progress, type WorkerCounts, workerCountsFromLines } from './loadHarness.ts';
import { type Acknowledgement, sendOutFactory, webhookPoster } from './loadSendOuts.ts';
import { type LocalStack, startLocalStack } from './localStack.ts';
import { type ChartSeries, countsPerSecond, perSecondChartSvg } from './perSecondChart.ts';
import type { ProviderFlavour } from './throttlingProvider.ts';
import { startThrottlingProviderProcess } from './throttlingProviderProcess.ts';
import { createWebhookClient, runWithConcurrency } from './webhookClient.ts';
import { startWorkerProcess, type WorkerProcess } from './workerProcessHandle.ts';

export const LOAD_WEBHOOK_SECRET = 'load-test-secret';
const FORWARD_SIGNING_SECRET = 'load-forward-signing-secret';
/** A burst passes when it drains at no less than this share of the provider's rate. */
export const MIN_DRAIN_SHARE_OF_RATE = 0.9;
/**
 * With nothing queued, delayed or in flight for this long, nothing more can come out: the run
 * stops waiting even if some send-outs were never delivered (dead-lettered or lost).
 */
const QUIET_QUEUE_MS = 3000;

export interface BurstLoadOptions {
  readonly count: number;
  /** Webhooks posted at once. */
  readonly concurrency: number;
  /** The local stack's worker invocations at once. */
  readonly workers: number;
  readonly providerRate: number;
  readonly channel: ProviderFlavour;
  readonly drainTimeoutSeconds: number;
}

/** The run's one-line result, in the order it is printed. */
export interface BurstSummary {
  readonly count: number;
  /** Send-outs answered with a 2xx. */
  readonly accepted: number;
  /** Accepted send-outs the provider accepted at least once. */
  readonly delivered: number;
  /** Extra acceptances by the provider of send-outs it had already accepted. */
  readonly duplicates: number;
  /** Accepted send-outs the provider never accepted. */
  readonly lost: number;
  readonly dead_lettered: number;
  /** Requests the provider answered 429 (the SDK's own retries included). */
  readonly throttled_responses: number;
  readonly provider_rate: number;
  /** delivered / drain_seconds. */
  readonly drain_per_s: number;
  readonly ack_p50_ms: number;
  readonly ack_p99_ms: number;
  /** From the first post of an accepted webhook to the provider's last acceptance. */
  readonly drain_seconds: number;
}

export interface BurstLoadReport {
  readonly summary: BurstSummary;
  /** Why the run failed; empty when it passed. */
  readonly failures: readonly string[];
  readonly details: {
    readonly statuses: ReadonlyMap<string, number>;
    readonly retriedPosts: number;
    readonly neverAccepted: number;
    readonly unexpectedDeliveries: number;
    readonly refusedByProvider: number;
    readonly leftInQueue: number;
    readonly drained: boolean;
    readonly postSeconds: number;
    readonly ackMaxMs: number;
    readonly worker: WorkerCounts;
  };
  /** Epoch milliseconds of what the chart counts per second, from the run's first post. */
  readonly timeline: {
    readonly originMs: number;
    readonly acceptedAtMs: readonly number[];
    readonly deliveredAtMs: readonly number[];
    readonly throttledAtMs: readonly number[];
  };
}

export async function runBurstLoad(options: BurstLoadOptions): Promise<BurstLoadReport> {
  const provider = await startThrottlingProviderProcess({
    flavour: options.channel,
    ratePerSecond: options.providerRate,
    ...(options.channel === 'http' ? { signingSecret: FORWARD_SIGNING_SECRET } : {}),
  });
  let stack: LocalStack | undefined;
  let worker: WorkerProcess | undefined;
  let syncTimer: NodeJS.Timeout | undefined;
  try {
    stack = await startLocalStack({
      port: 0,
      secret: LOAD_WEBHOOK_SECRET,
      channel: options.channel,
      workerConcurrency: options.workers,
      // The http channel is told the receiver's rate; the ses channel reads it from GetAccount.
      ...(options.channel === 'http'
        ? {
            forward: { url: provider.url, signingSecret: FORWARD_SIGNING_SECRET },
            extraEnvironment: { SEND_RATE_PER_SECOND: String(options.providerRate) },
          }
        : { sesEndpoint: provider.url }),
      // The worker runs in a process of its own, as it runs apart from the gateway and the ingest
      // on Lambda: sharing their event loop, its sends would wait while webhooks pour in.
      inProcessWorker: false,
    });
    worker = startWorkerProcess(stack.workerSettings, { POWERTOOLS_LOG_LEVEL: 'WARN' });
    const client = createWebhookClient({ url: stack.url, secret: LOAD_WEBHOOK_SECRET, maxSockets: options.concurrency });
    const poster = webhookPoster(client);
    const newSendOut = sendOutFactory({ deliverableOnly: true });
    const accepted = new Map<string, Acknowledgement>();
    let neverAccepted = 0;

    const deliveredIds = new Set<string>();
    let deliveriesSeen = 0;
    const deliveredSoFar = () => {
      for (; deliveriesSeen < provider.deliveries.length; deliveriesSeen++)
        deliveredIds.add(provider.deliveries[deliveriesSeen]!.sendOutId);
      return deliveredIds.size;
    };

    // The provider's records come over from its process in the background, for the progress lines.
    syncTimer = setInterval(() => void provider.sync(), 250);
    const postingBar = progress('posting', options.count);
    const originMs = Date.now();
    let posted = 0;
    await runWithConcurrency(options.count, options.concurrency, async (index) => {
      const sendOut = newSendOut(index);
      const acknowledgement = await poster.post(sendOut);
      if (acknowledgement) accepted.set(sendOut.id, acknowledgement);
      else neverAccepted++;
      postingBar.update(++posted, `${accepted.size} accepted, ${deliveredSoFar()} delivered`);
    });
    postingBar.finish();
    const postSeconds = (Date.now() - originMs) / 1000;
    client.close();

    const drainBar = progress('delivering', accepted.size);
    const drained = await waitForDrain(stack, options.drainTimeoutSeconds * 1000, async () => {
      await provider.sync();
      const delivered = deliveredSoFar();
      drainBar.update(delivered, `delivered, ${provider.throttledAtMs.length} throttled responses`);
      return delivered >= accepted.size && [...accepted.keys()].every((id) => deliveredIds.has(id));
    });
    drainBar.finish();
    clearInterval(syncTimer);
    // SIGTERM lets the worker finish the batches it holds, as Ctrl-C does to npm start.
    await worker.kill('SIGTERM');
    const workerCounts = workerCountsFromLines(worker.json());
    worker = undefined;
    await provider.sync();
    const { deadLettered } = await stack.queueDepths();
    const { undelivered } = await stack.stop(1000);
    stack = undefined;

    const acceptancesPerSendOut = new Map<string, number>();
    for (const delivery of provider.deliveries) {
      acceptancesPerSendOut.set(delivery.sendOutId, (acceptancesPerSendOut.get(delivery.sendOutId) ?? 0) + 1);
    }
    const delivered = [...accepted.keys()].filter((id) => acceptancesPerSendOut.has(id)).length;
    const duplicates = [...acceptancesPerSendOut.values()].reduce((sum, times) => sum + times - 1, 0);
    const unexpectedDeliveries = [...acceptancesPerSendOut.keys()].filter((id) => !accepted.has(id)).length;
    const firstAcceptedPostMs = [...accepted.values()].reduce(
      (first, { postedAtMs }) => Math.min(first, postedAtMs),
      Number.POSITIVE_INFINITY,
    );
    const lastDeliveryMs = provider.deliveries.reduce((latest, delivery) => Math.max(latest, delivery.atMs), Number.NEGATIVE_INFINITY);
    const drainSeconds = delivered > 0 ? Math.max(0.001, (lastDeliveryMs - firstAcceptedPostMs) / 1000) : 0;
    const summary: BurstSummary = {
      count: options.count,
      accepted: accepted.size,
      delivered,
      duplicates,
      lost: accepted.size - delivered,
      dead_lettered: deadLettered,
      throttled_responses: provider.throttledAtMs.length,
      provider_rate: options.providerRate,
      drain_per_s: drainSeconds > 0 ? round(delivered / drainSeconds, 1) : 0,
      ack_p50_ms: round(percentile(poster.latenciesMs, 0.5), 1),
      ack_p99_ms: round(percentile(poster.latenciesMs, 0.99), 1),
      drain_seconds: round(drainSeconds, 2),
    };
    const details = {
      statuses: poster.statuses,
      retriedPosts: poster.retriedPosts,
      neverAccepted,
      unexpectedDeliveries,
      refusedByProvider: provider.refused,
      leftInQueue: undelivered,
      drained,
      postSeconds: round(postSeconds, 2),
      ackMaxMs: round(percentile(poster.latenciesMs, 1), 1),
      worker: workerCounts,
    };
    return {
      summary,
      failures: burstFailures(summary, details),
      details,
      timeline: {
        originMs,
        acceptedAtMs: [...accepted.values()].map((acknowledgement) => acknowledgement.answeredAtMs),
        deliveredAtMs: provider.deliveries.map((delivery) => delivery.atMs),
        throttledAtMs: provider.throttledAtMs,
      },
    };
  } finally {
    clearInterval(syncTimer);
    await worker?.kill('SIGKILL');
    await stack?.stop(1000);
    await provider.stop();
  }
}

/**
 * Waits until `allDelivered()` holds with the queue empty, or the queue has stayed empty (nothing
 * visible, delayed or in flight) for QUIET_QUEUE_MS; false when neither happened before the timeout.
 */
async function waitForDrain(stack: LocalStack, timeoutMs: number, allDelivered: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let emptySince: number | undefined;
  while (Date.now() < deadline) {
    const { queued, inFlight } = await stack.queueDepths();
    const empty = queued === 0 && inFlight === 0;
    const delivered = await allDelivered();
    if (empty && delivered) return true;
    emptySince = empty ? (emptySince ?? Date.now()) : undefined;
    if (emptySince !== undefined && Date.now() - emptySince >= QUIET_QUEUE_MS) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/** What makes a burst a failure, worded for the report. */
export function burstFailures(
  summary: BurstSummary,
  details: Pick<BurstLoadReport['details'], 'neverAccepted' | 'unexpectedDeliveries' | 'refusedByProvider' | 'leftInQueue' | 'drained'>,
): string[] {
  const failures: string[] = [];
  if (summary.lost > 0) failures.push(`${summary.lost} accepted send-out(s) never delivered`);
  if (summary.duplicates > 0) failures.push(`${summary.duplicates} duplicate deliveries`);
  if (summary.dead_lettered > 0) failures.push(`${summary.dead_lettered} message(s) dead-lettered`);
  const floor = MIN_DRAIN_SHARE_OF_RATE * summary.provider_rate;
  if (summary.drain_per_s < floor)
    failures.push(`drained at ${summary.drain_per_s}/s, below ${floor}/s (${MIN_DRAIN_SHARE_OF_RATE} × the rate)`);
  if (details.neverAccepted > 0) failures.push(`${details.neverAccepted} webhook(s) never accepted`);
  if (details.unexpectedDeliveries > 0) failures.push(`${details.unexpectedDeliveries} delivery(ies) of send-outs never accepted`);
  if (details.refusedByProvider > 0) failures.push(`${details.refusedByProvider} request(s) refused by the provider`);
  if (details.leftInQueue > 0) failures.push(`${details.leftInQueue} message(s) left in the queue`);
  if (!details.drained) failures.push('not drained before the timeout');
  return failures;
}

/** The run per second: webhooks accepted, messages the provider accepted and throttled, and its rate. */
export function burstChartSvg(report: BurstLoadReport, channel: ProviderFlavour): string {
  const { originMs, acceptedAtMs, deliveredAtMs, throttledAtMs } = report.timeline;
  const lastMs = [acceptedAtMs, deliveredAtMs, throttledAtMs].flat().reduce((latest, atMs) => Math.max(latest, atMs), originMs);
  const seconds = Math.floor((lastMs - originMs) / 1000) + 1;
  const perSecond = (times: readonly number[]) => countsPerSecond(times, originMs, seconds);
  const series: ChartSeries[] = [
    { name: 'webhooks accepted (202)', color: '#1f77b4', values: perSecond(acceptedAtMs) },
    { name: 'throttled responses (429)', color: '#d62728', values: perSecond(throttledAtMs) },
    { name: 'delivered (accepted by the provider)', color: '#2ca02c', values: perSecond(deliveredAtMs) },
  ];
  const { count, provider_rate: rate } = report.summary;
  return perSecondChartSvg({
    title: `Burst of ${count.toLocaleString('en-US')} webhooks, ${channel} provider at ${rate}/s`,
    xLabel: 'seconds since the first webhook was posted',
    yLabel: 'per second',
    series,
    referenceLines: [{ name: `provider rate (${rate}/s)`, color: '#555555', value: rate }],
  });
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));
