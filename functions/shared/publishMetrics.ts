import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';

/**
 * Powertools' logMetrics middleware without its warning for an invocation that counted nothing
 * ("No application metrics to publish"): that warning is a log line CloudWatch bills on every such
 * invocation (each view of the unsubscribe page; locally, every invocation whose metrics one
 * running beside it already published), and saying nothing is the right report of nothing.
 * Dimensions and metadata are cleared either way, so none leaks into the next invocation.
 */
export function publishMetrics(metrics: Metrics): MiddlewareObj {
  function publishWhatWasCounted(): void {
    if (metrics.hasStoredMetrics()) {
      metrics.publishStoredMetrics();
      return;
    }
    metrics.clearDimensions();
    metrics.clearMetadata();
  }
  return { after: publishWhatWasCounted, onError: publishWhatWasCounted };
}
