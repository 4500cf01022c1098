/**
 * Logger and metrics for both functions: Powertools for AWS Lambda, configured by its documented
 * variables (POWERTOOLS_LOG_LEVEL, POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE) with
 * defaults that make local runs readable without them.
 *
 * Never pass a request body, a signature, a secret, an e-mail address, a phone number or a name
 * to a logger: log ids (envelope, event, distribution, customer) and outcomes only.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CompactLogFormatter } from './CompactLogFormatter.ts';
import { type Environment, METRICS_NAMESPACE } from './settings.ts';

/**
 * The level comes from `env` as well, so a handler built with an explicit environment (tests,
 * benchmarks) logs at that environment's level.
 */
export function createLogger(serviceName: string, env: Environment = process.env): Logger {
  return new Logger({
    serviceName: env.POWERTOOLS_SERVICE_NAME ?? serviceName,
    logFormatter: new CompactLogFormatter(),
    ...(env.POWERTOOLS_LOG_LEVEL ? { logLevel: env.POWERTOOLS_LOG_LEVEL as ConstructorOptions['logLevel'] } : {}),
  });
}

export function createMetrics(serviceName: string, env: Environment = process.env): Metrics {
  return new Metrics({
    namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    serviceName: env.POWERTOOLS_SERVICE_NAME ?? serviceName,
  });
}
