import { MetricCounters } from '../functions/shared/metricCounters.ts';
import { createLogThrottle } from '../functions/shared/observability.ts';

describe('MetricCounters', () => {
  let clock: number;
  let written: string[];
  const counters = (flushIntervalMs = 1000) =>
    new MetricCounters({ namespace: 'Test', service: 'svc', flushIntervalMs, now: () => clock, write: (line) => written.push(line) });
  const documents = () => written.join('').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);

  beforeEach(() => {
    clock = 1_700_000_000_000;
    written = [];
  });

  test('publishes the first counts at once, as valid embedded metric format', () => {
    const metrics = counters();
    metrics.count('WebhookRejected', { Reason: 'invalid_signature' });
    metrics.flushIfDue();
    expect(documents()).toEqual([
      {
        _aws: {
          Timestamp: clock,
          CloudWatchMetrics: [
            { Namespace: 'Test', Dimensions: [['service', 'Reason']], Metrics: [{ Name: 'WebhookRejected', Unit: 'Count' }] },
          ],
        },
        service: 'svc',
        Reason: 'invalid_signature',
        WebhookRejected: 1,
      },
    ]);
  });

  test('aggregates counts within the interval into one line per dimension set', () => {
    const metrics = counters();
    metrics.count('WebhookAccepted', { Kind: 'promotion' });
    metrics.flushIfDue();
    written = [];
    for (let i = 0; i < 500; i++) {
      metrics.count('WebhookRejected', { Reason: 'invalid_signature' });
      metrics.flushIfDue();
    }
    metrics.count('WebhookRejected', { Reason: 'malformed_json' });
    metrics.count('WebhookAccepted', { Kind: 'promotion' });
    expect(written).toHaveLength(0);
    clock += 1000;
    metrics.flushIfDue();
    const published = documents();
    expect(published).toHaveLength(3);
    expect(published.find((d) => d.Reason === 'invalid_signature')?.WebhookRejected).toBe(500);
    expect(published.find((d) => d.Reason === 'malformed_json')?.WebhookRejected).toBe(1);
    expect(published.find((d) => d.Kind === 'promotion')?.WebhookAccepted).toBe(1);
  });

  test('writes nothing when there is nothing to publish', () => {
    const metrics = counters();
    metrics.flushIfDue();
    metrics.flush();
    expect(written).toHaveLength(0);
  });

  test('publishes immediately with an interval of zero', () => {
    const metrics = counters(0);
    metrics.count('A');
    metrics.flushIfDue();
    metrics.count('A');
    metrics.flushIfDue();
    expect(documents().map((d) => d.A)).toEqual([1, 1]);
  });
});

describe('createLogThrottle', () => {
  test('lets the first line of each kind through and counts the rest until the window ends', () => {
    let clock = 0;
    const throttle = createLogThrottle(10_000, () => clock);
    expect(throttle('invalid_signature')).toBe(0);
    expect(throttle('invalid_signature')).toBeUndefined();
    expect(throttle('malformed_json')).toBe(0);
    expect(throttle('invalid_signature')).toBeUndefined();
    clock = 10_000;
    expect(throttle('invalid_signature')).toBe(2);
    expect(throttle('invalid_signature')).toBeUndefined();
  });
});
