/**
 * Logger and metrics for both functions. Logs: Powertools for AWS Lambda Logger (JSON, request ids
 * via injectLambdaContext). Metrics: CloudWatch embedded metric format through MetricCounters
 * (see metricCounters.ts for why not Powertools Metrics). Log level, service name and namespace
 * come from the documented Powertools variables (POWERTOOLS_LOG_LEVEL, POWERTOOLS_SERVICE_NAME,
 * POWERTOOLS_METRICS_NAMESPACE); the defaults make local runs readable without them.
 *
 * Never pass a request body, a signature, a secret, an e-mail address, a phone number or a name
 * to a logger: log ids (envelope, event, distribution, customer) and outcomes only.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import type { Environment } from './env.ts';
import { MetricCounters } from './metricCounters.ts';

export const DEFAULT_METRICS_NAMESPACE = 'VoucherifySegmentWebhook';

/**
 * The level comes from `env` as well, so a handler built with an explicit environment (tests,
 * benchmarks) logs at that environment's level; an unknown value falls back to Powertools' own
 * resolution (the process environment, then INFO).
 */
export function createLogger(serviceName: string, env: Environment = process.env): Logger {
  return new Logger({
    serviceName: env.POWERTOOLS_SERVICE_NAME ?? serviceName,
    ...(env.POWERTOOLS_LOG_LEVEL ? { logLevel: env.POWERTOOLS_LOG_LEVEL as ConstructorOptions['logLevel'] } : {}),
  });
}

export function createMetricCounters(
  serviceName: string,
  env: Environment = process.env,
  options: { flushIntervalMs?: number } = {},
): MetricCounters {
  return new MetricCounters({
    namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
    service: env.POWERTOOLS_SERVICE_NAME ?? serviceName,
    ...options,
  });
}

/**
 * Logs the first occurrence of each kind of event per window and counts the rest, reporting the
 * count with the next line it lets through. For rejections: a flood of forged requests must not
 * become a flood of log lines (CloudWatch Logs bills per GB, and each line costs more CPU than the
 * rejection itself). Every rejection is still counted in metrics and in API Gateway's access log.
 */
export function createLogThrottle(windowMs: number, now: () => number = Date.now) {
  const windows = new Map<string, { openedAt: number; suppressed: number }>();
  /** Returns undefined to suppress, or the number of lines suppressed since the last one let through. */
  return (kind: string): number | undefined => {
    const time = now();
    const window = windows.get(kind);
    if (window && time - window.openedAt < windowMs) {
      window.suppressed++;
      return undefined;
    }
    const suppressed = window?.suppressed ?? 0;
    windows.set(kind, { openedAt: time, suppressed: 0 });
    return suppressed;
  };
}
