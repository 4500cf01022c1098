/**
 * Logger and metrics for both functions: Powertools for AWS Lambda, JSON logs and CloudWatch
 * embedded metric format. Log level, service name and namespace come from the documented
 * Powertools variables (POWERTOOLS_LOG_LEVEL, POWERTOOLS_SERVICE_NAME,
 * POWERTOOLS_METRICS_NAMESPACE); the defaults here make local runs readable without them.
 *
 * Never pass a request body, a signature, a secret, an e-mail address or a phone number to a
 * logger: log ids (envelope, event, distribution, customer) and outcomes only.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const DEFAULT_METRICS_NAMESPACE = 'VoucherifySegmentWebhook';

export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName });
}

export function createMetrics(serviceName: string): Metrics {
  return new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName,
  });
}
