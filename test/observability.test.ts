import { createLogger, createMetrics } from '../functions/shared/observability.ts';
import { METRICS_NAMESPACE } from '../functions/shared/settings.ts';
import { lambdaContext } from '../local/lambdaEvents.ts';
import { type CapturedOutput, captureOutput } from './support/captureOutput.ts';

let output: CapturedOutput;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => output.restore());

describe('createMetrics', () => {
  test('publishes embedded metric format in the product namespace, with the service as a dimension', () => {
    const metrics = createMetrics('voucherify-webhook-ingest', {});
    metrics.addDimension('Reason', 'invalid_signature');
    metrics.addMetric('WebhookRejected', 'Count', 1);
    metrics.publishStoredMetrics();
    const [line] = output.json();
    expect(line).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          { Namespace: METRICS_NAMESPACE, Dimensions: [['service', 'Reason']], Metrics: [{ Name: 'WebhookRejected', Unit: 'Count' }] },
        ],
      },
      service: 'voucherify-webhook-ingest',
      Reason: 'invalid_signature',
      WebhookRejected: 1,
    });
  });

  test('takes the namespace and service from the Powertools variables when they are set', () => {
    const metrics = createMetrics('ingest', { POWERTOOLS_METRICS_NAMESPACE: 'Other', POWERTOOLS_SERVICE_NAME: 'renamed' });
    metrics.addMetric('X', 'Count', 1);
    metrics.publishStoredMetrics();
    expect(output.json()[0]).toMatchObject({ _aws: { CloudWatchMetrics: [{ Namespace: 'Other' }] }, service: 'renamed' });
  });
});

describe('createLogger', () => {
  test('writes JSON lines at the level the environment gives, with the service name', () => {
    const logger = createLogger('voucherify-webhook-distribute', { POWERTOOLS_LOG_LEVEL: 'WARN' });
    logger.info('hidden');
    logger.warn('shown', { reason: 'x' });
    expect(output.json()).toEqual([
      expect.objectContaining({ level: 'WARN', message: 'shown', reason: 'x', service: 'voucherify-webhook-distribute' }),
    ]);
  });

  test("leaves out what the function's own log group already says, and keeps the invocation's request id", () => {
    const logger = createLogger('voucherify-webhook-distribute', {});
    logger.addContext(lambdaContext('distribute'));
    logger.info('Send-out delivered', { envelope_id: 'whs_1' });
    const [line] = output.json();
    expect(Object.keys(line ?? {})).toEqual([
      'level',
      'message',
      'timestamp',
      'service',
      'cold_start',
      'function_request_id',
      'envelope_id',
    ]);
  });
});
