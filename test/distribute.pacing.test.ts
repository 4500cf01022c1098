/**
 * Sending at the provider's rate: the pacer's turns, the time budget of an invocation, and what a
 * throttled or unstarted record becomes (back on the queue with a delay, never the DLQ for being
 * throttled, the DLQ only once it has waited longer than the maximum age).
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { deferralDelaySeconds, MAX_DELAY_SECONDS } from '../functions/distribute/deferralQueue.ts';
import { PermanentDeliveryError, ThrottledDeliveryError } from '../functions/distribute/errors.ts';
import type { QueuedWebhook } from '../functions/distribute/queuedWebhook.ts';
import { createSendPacer } from '../functions/distribute/sendPacer.ts';
import { FALLBACK_SES_RATE, sesAccountSendRate } from '../functions/distribute/sesSendRate.ts';
import { localAwsClientConfig } from '../local/localAws.ts';
import { LOCAL_SES_MAX_SEND_RATE, type LocalSes, startLocalSes } from '../local/localSes.ts';
import { fakeDependencies, queuedWebhook, runDistributeBatch } from './support/distributeFakes.ts';
import { closedPort } from './support/scriptedHttpServer.ts';
import { sendOutBody } from './support/segmentEnteredWebhooks.ts';

/** A clock that only moves when the pacer sleeps: turns can be read exactly. */
function virtualClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('the send pacer', () => {
  test("sends at the container's share of the rate, the rate divided by the concurrency, after one send of credit", async () => {
    const clock = virtualClock();
    const pacer = createSendPacer({ totalRate: async () => 10, concurrency: 2, ...clock });
    const turns: number[] = [];
    for (let index = 0; index < 5; index++) {
      await pacer.waitForTurn(Number.POSITIVE_INFINITY);
      turns.push(clock.now() - 1_000_000);
    }
    expect(turns).toEqual([0, 0, 200, 400, 600]);
  });

  test('refuses at once a turn that would come after the deadline, and keeps that turn free', async () => {
    const clock = virtualClock();
    const pacer = createSendPacer({ totalRate: async () => 1, concurrency: 1, ...clock });
    expect(await pacer.waitForTurn(clock.now() + 5000)).toBe(true);
    expect(await pacer.waitForTurn(clock.now() + 5000)).toBe(true);
    const before = clock.now();
    expect(before).toBe(1_000_000);
    expect(await pacer.waitForTurn(clock.now() + 500)).toBe(false);
    expect(clock.now()).toBe(before);
    expect(await pacer.waitForTurn(clock.now() + 5000)).toBe(true);
    expect(clock.now() - before).toBe(1000);
  });

  test('when throttled, waits out the Retry-After, halves its rate, and wins the rate back as sends go through', async () => {
    const clock = virtualClock();
    const pacer = createSendPacer({ totalRate: async () => 10, concurrency: 1, ...clock });
    await pacer.waitForTurn(Number.POSITIVE_INFINITY);
    pacer.throttled(3000);
    const throttledAt = clock.now();
    await pacer.waitForTurn(Number.POSITIVE_INFINITY);
    expect(clock.now() - throttledAt).toBe(3000);
    await pacer.waitForTurn(Number.POSITIVE_INFINITY);
    expect(clock.now() - throttledAt).toBe(3000);
    await pacer.waitForTurn(Number.POSITIVE_INFINITY);
    expect(clock.now() - throttledAt).toBe(3000 + 200);
    for (let index = 0; index < 20; index++) pacer.delivered();
    const sentAt: number[] = [];
    for (let index = 0; index < 4; index++) {
      await pacer.waitForTurn(Number.POSITIVE_INFINITY);
      sentAt.push(clock.now());
    }
    // Back at the full rate once the sends spaced at the halved rate are behind it.
    expect(sentAt[3]! - sentAt[2]!).toBe(100);
  });

  test('loses no rate to timers that fire a little late', async () => {
    let now = 0;
    const lateSleep = async (ms: number) => {
      now += ms + 5;
    };
    const pacer = createSendPacer({ totalRate: async () => 10, concurrency: 1, now: () => now, sleep: lateSleep });
    for (let index = 0; index <= 10; index++) await pacer.waitForTurn(Number.POSITIVE_INFINITY);
    expect(now).toBe(1005);
  });

  test('spaces callers that a stalled event loop wakes together, and holds planned sends through a throttle', async () => {
    // Timers fire only when the test moves time, and then all the due ones at once, as after a stall.
    let now = 0;
    let timers: { due: number; wake: () => void }[] = [];
    const sleep = (ms: number) => new Promise<void>((wake) => timers.push({ due: now + ms, wake }));
    const moveTo = async (time: number) => {
      now = time;
      const due = timers.filter((timer) => timer.due <= now);
      timers = timers.filter((timer) => timer.due > now);
      for (const timer of due) timer.wake();
      for (let tick = 0; tick < 10; tick++) await Promise.resolve();
    };
    const pacer = createSendPacer({ totalRate: async () => 10, concurrency: 1, now: () => now, sleep });
    const sentAt: number[] = [];
    const send = () => pacer.waitForTurn(Number.POSITIVE_INFINITY).then(() => sentAt.push(now));
    const sends = Array.from({ length: 6 }, send);
    await moveTo(0);
    await moveTo(500);
    // Half an interval of tolerance lets one send catch up; the rest are spaced again.
    expect(sentAt).toEqual([0, 500, 500]);
    pacer.throttled(1000);
    await moveTo(600);
    expect(sentAt).toEqual([0, 500, 500]);
    for (const time of [1500, 1700, 1900]) await moveTo(time);
    await Promise.all(sends);
    expect(sentAt).toEqual([0, 500, 500, 1500, 1500, 1700]);
  });

  test('without a known rate sends unpaced, yet still holds its sends when the receiver pushes back', async () => {
    const clock = virtualClock();
    const pacer = createSendPacer({ totalRate: async () => undefined, concurrency: 5, ...clock });
    for (let index = 0; index < 50; index++) await pacer.waitForTurn(clock.now());
    expect(clock.now()).toBe(1_000_000);
    pacer.throttled(undefined);
    expect(await pacer.waitForTurn(clock.now() + 100)).toBe(false);
    expect(await pacer.waitForTurn(Number.POSITIVE_INFINITY)).toBe(true);
    expect(clock.now()).toBe(1_001_000);
  });
});

describe("SES's account rate", () => {
  let ses: LocalSes;
  beforeAll(async () => {
    ses = await startLocalSes();
  });
  afterAll(() => ses.stop());

  test('is read from GetAccount through the real SDK once, then served from the cache', async () => {
    const client = ses.client();
    let calls = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        calls++;
        return next(args);
      },
      { step: 'initialize' },
    );
    const rate = sesAccountSendRate({ client, refreshMs: 60_000 });
    expect(await rate()).toBe(LOCAL_SES_MAX_SEND_RATE);
    expect(await rate()).toBe(LOCAL_SES_MAX_SEND_RATE);
    expect(calls).toBe(1);
    client.destroy();
  });

  test('falls back to a rate every account allows when SES cannot be read, and tries again later', async () => {
    const unavailable: unknown[] = [];
    let now = 0;
    const client = new SESv2Client({ ...localAwsClientConfig(), endpoint: `http://127.0.0.1:${await closedPort()}`, maxAttempts: 1 });
    const rate = sesAccountSendRate({ client, refreshMs: 60_000, onUnavailable: (error) => unavailable.push(error), now: () => now });
    expect(await rate()).toBe(FALLBACK_SES_RATE);
    expect(await rate()).toBe(FALLBACK_SES_RATE);
    expect(unavailable).toHaveLength(1);
    now += 61_000;
    await rate();
    expect(unavailable).toHaveLength(2);
    client.destroy();
  });
});

describe('how long a deferred record waits', () => {
  const base = { backlog: 0, totalRate: 50, retryAfterMs: undefined, deferrals: 0, random: 0.5 };

  test('about as long as the backlog ahead of it takes to drain at the rate', () => {
    expect(deferralDelaySeconds({ ...base, backlog: 5000 })).toBe(100);
    expect(deferralDelaySeconds({ ...base, backlog: 5000, random: 0 })).toBe(80);
    expect(deferralDelaySeconds({ ...base, backlog: 5000, random: 0.999 })).toBe(120);
  });

  test('never less than the Retry-After, even with the jitter', () => {
    expect(deferralDelaySeconds({ ...base, retryAfterMs: 30_000, random: 0 })).toBe(30);
  });

  test('longer with each deferral when nothing else is known, and never past what SQS can delay', () => {
    const unknown = { ...base, backlog: undefined, totalRate: undefined };
    expect([0, 1, 2, 3].map((deferrals) => deferralDelaySeconds({ ...unknown, deferrals }))).toEqual([1, 2, 4, 8]);
    expect(deferralDelaySeconds({ ...unknown, deferrals: 40 })).toBe(MAX_DELAY_SECONDS);
    expect(deferralDelaySeconds({ ...base, backlog: 10_000_000 })).toBe(MAX_DELAY_SECONDS);
  });
});

const sendOuts = (count: number) => Array.from({ length: count }, () => queuedWebhook(sendOutBody('plain_message')));

describe('the distribute handler, pacing a batch', () => {
  test('starts no record whose turn would come too late for the invocation: those go back on the queue, none fails', async () => {
    const dependencies = { ...fakeDependencies({ ratePerSecond: 10 }), recordBudgetMs: 1000 };
    const batch = sendOuts(10);
    // Turns every 100 ms; 1.5 s left and a 1 s budget per record: only the first few may start.
    const result = await runDistributeBatch(batch, dependencies, 1500);

    expect(result.batchItemFailures).toEqual([]);
    const outcomes = result.outcomes.map((line) => line?.outcome);
    const delivered = outcomes.filter((outcome) => outcome === 'delivered').length;
    expect(delivered).toBeGreaterThanOrEqual(3);
    expect(delivered).toBeLessThanOrEqual(7);
    // The ones not started are the last in line, and each is back on the queue.
    expect(outcomes).toEqual([...Array(delivered).fill('delivered'), ...Array(10 - delivered).fill('deferred')]);
    expect(dependencies.deferrals.deferred.map(({ webhook }) => webhook.messageId)).toEqual(
      batch.slice(delivered).map((webhook) => webhook.messageId),
    );
    expect(result.outcomes.at(-1)).toMatchObject({ reason: 'time_budget' });
    // Nothing was claimed for them: a later invocation starts them afresh.
    expect(dependencies.calls.filter((call) => call.startsWith('claim:'))).toHaveLength(delivered);
  });

  test('puts a throttled record back with a delay of about the backlog over the rate, gives its claim up, and never dead-letters it', async () => {
    const dependencies = fakeDependencies({ ratePerSecond: 50 });
    dependencies.deferrals.backlogSize = 1000;
    dependencies.channel.failures.push(new ThrottledDeliveryError('slow down', 'ses:TooManyRequestsException:429'));
    const [throttled] = sendOuts(1) as [QueuedWebhook];

    const result = await runDistributeBatch([throttled], dependencies);

    expect(result.batchItemFailures).toEqual([]);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'deferred', reason: 'throttled', detail: 'ses:TooManyRequestsException:429' });
    const [deferred] = dependencies.deferrals.deferred;
    expect(deferred?.delaySeconds).toBeGreaterThanOrEqual(16);
    expect(deferred?.delaySeconds).toBeLessThanOrEqual(24);
    expect(dependencies.deadLetters.sent).toEqual([]);
    const id = JSON.parse(throttled.body).id as string;
    expect(dependencies.calls).toEqual([`claim:${id}`, `deliver:${id}`, `release:${id}`, `defer:${throttled.messageId}`]);
    expect(result.lines).toEqual(expect.arrayContaining([expect.objectContaining({ Deferred: 1, Reason: 'throttled' })]));
  });

  test('still sends a permanent failure to the DLQ at once, next to a throttled batch-mate', async () => {
    const dependencies = fakeDependencies();
    dependencies.channel.failures.push(
      new PermanentDeliveryError('rejected', 'ses:MessageRejected:400'),
      new ThrottledDeliveryError('slow down', 'http:429', 5000),
    );
    const [rejected, throttled] = sendOuts(2) as [QueuedWebhook, QueuedWebhook];

    const result = await runDistributeBatch([rejected, throttled], dependencies);

    expect(result.batchItemFailures).toEqual([]);
    expect(dependencies.deadLetters.sent.map(({ webhook, deadLetter }) => [webhook.messageId, deadLetter.reason])).toEqual([
      [rejected.messageId, 'delivery_rejected'],
    ]);
    expect(dependencies.deferrals.deferred.map(({ webhook, delaySeconds }) => [webhook.messageId, delaySeconds >= 5])).toEqual([
      [throttled.messageId, true],
    ]);
  });

  test('gives a send-out that has waited longer than the maximum age to the DLQ as max_age_exceeded instead of deferring it again', async () => {
    const dependencies = fakeDependencies();
    dependencies.channel.failures.push(new ThrottledDeliveryError('slow down', 'http:429'));
    const dayAgo = Date.now() - 24 * 60 * 60 * 1000;
    const old = queuedWebhook(sendOutBody('promotion'), { FirstQueuedAt: String(dayAgo), Deferrals: '95' });

    const result = await runDistributeBatch([old], dependencies);

    expect(result.batchItemFailures).toEqual([]);
    expect(dependencies.deferrals.deferred).toEqual([]);
    expect(dependencies.deadLetters.sent).toEqual([
      expect.objectContaining({ deadLetter: { reason: 'max_age_exceeded', detail: 'waited 1440 min; last: http:429' } }),
    ]);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'permanent_failure', reason: 'max_age_exceeded', dead_lettered: true });
  });

  test('reports a record SQS would not take back as failed, so the queue retries it rather than lose it', async () => {
    const dependencies = fakeDependencies();
    dependencies.channel.failures.push(new ThrottledDeliveryError('slow down', 'http:503'));
    dependencies.deferrals.failWith = new Error('sqs down');
    const [throttled] = sendOuts(1) as [QueuedWebhook];

    const result = await runDistributeBatch([throttled], dependencies);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: throttled.messageId }]);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'transient_failure', reason: 'requeue_failed' });
  });
});
