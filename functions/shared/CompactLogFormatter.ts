import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

/**
 * Powertools' standard log line without the keys that repeat, on every line, what the function's
 * own log group already says (function_arn, function_name, function_memory_size), nor
 * sampling_rate while sampling is off: CloudWatch bills every byte, and the worker writes a line
 * per send-out. function_request_id stays: it ties a line to its invocation and its batch-mates.
 */
export class CompactLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: context?.coldStart,
        function_request_id: context?.awsRequestId,
        sampling_rate: attributes.sampleRateValue || undefined,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(additionalLogAttributes);
  }
}
