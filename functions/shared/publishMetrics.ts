import type { MiddlewareObj } from '@middy/core';
import type { MetricCounters } from './metricCounters.ts';

/** Middy middleware: publishes the counters, when due, after every invocation, whatever its outcome. */
export function publishMetrics(counters: MetricCounters): MiddlewareObj {
  const publishIfDue = (): void => counters.flushIfDue();
  return { after: publishIfDue, onError: publishIfDue };
}
