/**
 * The local pipeline as the reliability tests drive it: `npm start`'s stack
 * (API Gateway stand-in → ingest → fauxqs → event-source-mapping stand-in → distribute → channel),
 * every hop over its real protocol, with timings short enough for a test; webhooks posted over
 * HTTP as Voucherify posts them; and deliveries counted where they land: at a scripted receiver
 * (http channel), by the answers it completed.
 */

import { FORWARD_HEADERS } from '../../functions/distribute/httpChannel.ts';
import type { DistributionKind } from '../../functions/shared/webhookContract.ts';
import { LOCAL_DLQ_NAME, type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/localStack.ts';
import type { BatchSummary } from '../../local/queuePoller.ts';
import { createWebhookClient, type WebhookClient } from '../../local/webhookClient.ts';
import { FIXTURE_SECRET } from './fixtures.ts';
import { drain } from './queueRounds.ts';
import { type Fallback, type ScriptedHttpServer, startScriptedHttpServer } from './scriptedHttpServer.ts';
import { freshEnvelopeId, sendOutBody } from './segmentEnteredWebhooks.ts';

/**
 * Short, and related as the stack relates them. One delivery attempt (0.8 s) fits well inside the
 * worker timeout (1.5 s; a batch that outlives it fails as a whole, as Middy's timeout makes it on
 * Lambda), which the idempotency lock (2 s) outlasts, and a failed record is back after 3 s.
 */
export const FAST_TIMINGS = { visibilityTimeoutSeconds: 3, workerTimeoutSeconds: 1.5, idempotencyLockSeconds: 2 } as const;
export const FAST_DELIVERY_TIMEOUT_MS = 800;
/**
 * For tests where a record must come back to find its dead worker's claim expired: the lock is
 * checked in whole seconds, so it is gone at most 3 s after the claim, before the record is back.
 */
export const TAKEOVER_VISIBILITY_TIMEOUT_SECONDS = 4;
export const FORWARD_SECRET = 'reliability-forward-secret';

export interface SendOutCopy {
  readonly id: string;
  readonly body: string;
  /** The customer's address, unique per send-out, so a mail can be traced to its send-out. */
  readonly email: string;
}

const KINDS: readonly DistributionKind[] = ['plain_message', 'promotion', 'unique_code'];

/** New send-outs of every kind in turn, each with a fresh envelope id and a customer address of its own. */
export function newSendOuts(count: number, label: string): SendOutCopy[] {
  return Array.from({ length: count }, (_, index) => {
    const id = freshEnvelopeId();
    const email = `${label}-${index}-${id.slice(-8)}@example.com`;
    return { id, email, body: sendOutBody(KINDS[index % KINDS.length]!, { id, customer: { email } }) };
  });
}

/** Resolves with the check's first truthy result; fails naming `what` after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => T | Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const countBy = <T>(items: readonly T[], key: (item: T) => string): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};

const idempotencyKey = (request: { headers: Record<string, unknown> }) => String(request.headers[FORWARD_HEADERS.idempotencyKey]);

/** Per send-out (the idempotency key the http channel sends): answers completed with a 2xx. */
export const deliveriesByKey = (receiver: ScriptedHttpServer): Map<string, number> =>
  countBy(
    receiver.answered.filter((answer) => answer.status >= 200 && answer.status < 300),
    idempotencyKey,
  );

/** Per send-out: every request received, answered or not. */
export const attemptsByKey = (receiver: ScriptedHttpServer): Map<string, number> => countBy(receiver.requests, idempotencyKey);

/** The send-outs' delivery counts, in their order: [1, 1, …] is exactly once each. */
export const deliveryCounts = (receiver: ScriptedHttpServer, sendOuts: readonly SendOutCopy[]): number[] => {
  const delivered = deliveriesByKey(receiver);
  return sendOuts.map((sendOut) => delivered.get(sendOut.id) ?? 0);
};

export interface ReliabilityPipeline {
  readonly stack: LocalStack;
  /** The http channel's receiver (unused when the stack is given another channel). */
  readonly receiver: ScriptedHttpServer;
  readonly client: WebhookClient;
  /** Every batch the in-process worker handled. */
  readonly batches: BatchSummary[];
  readonly pollErrors: unknown[];
  /** Posts each body as Voucherify does (signed, concurrently) and returns the statuses in order. */
  post(sendOuts: readonly SendOutCopy[]): Promise<number[]>;
  /** Takes every message out of the DLQ. */
  drainDeadLetters(): ReturnType<typeof drain>;
  stop(): Promise<void>;
}

export async function startReliabilityPipeline(
  options: { readonly receiver?: Fallback; readonly stack?: Partial<LocalStackOptions> } = {},
): Promise<ReliabilityPipeline> {
  const receiver = await startScriptedHttpServer(options.receiver ?? { status: 200 });
  const batches: BatchSummary[] = [];
  const pollErrors: unknown[] = [];
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      port: 0,
      secret: FIXTURE_SECRET,
      channel: 'http',
      forward: { url: `${receiver.url}/crm`, signingSecret: FORWARD_SECRET },
      ...FAST_TIMINGS,
      workerConcurrency: 2,
      onBatch: (summary) => batches.push(summary),
      onPollError: (error) => pollErrors.push(error),
      ...options.stack,
      extraEnvironment: { DELIVERY_TIMEOUT_MS: String(FAST_DELIVERY_TIMEOUT_MS), ...options.stack?.extraEnvironment },
    });
  } catch (error) {
    await receiver.stop();
    throw error;
  }
  const client = createWebhookClient({ url: stack.url, secret: FIXTURE_SECRET });
  const sqsClient = stack.sqs.client();
  return {
    stack,
    receiver,
    client,
    batches,
    pollErrors,
    post: (sendOuts) => Promise.all(sendOuts.map(async (sendOut) => (await client.post(sendOut.body)).status)),
    drainDeadLetters: () => drain({ client: sqsClient, url: stack.deadLetterQueueUrl, name: LOCAL_DLQ_NAME }),
    async stop() {
      client.close();
      // A test that failed half-way may leave a server interrupted; stop() needs them up.
      await stack.sqs.resume();
      if (options.stack?.dynamoDataDirectory) await stack.dynamo.resume();
      sqsClient.destroy();
      await stack.stop(2_000);
      await receiver.stop();
    },
  };
}

/**
 * Outcomes without the records put back for lack of time: with the short timeouts used here, a
 * throttle's pause or a slow start can push a record's turn past its invocation's budget. What
 * matters is the path each record took to its end, which these tests check.
 */
export const withoutTimeBudgetDeferrals = (outcomes: readonly string[]): string[] =>
  outcomes.filter((outcome) => !outcome.startsWith('deferred:time_budget'));
