/**
 * The HTTP API's access log line, one JSON object per request: what an operator looks for, and no
 * more, since CloudWatch bills every byte. Kept: the request's id, time, caller (sourceIp and
 * userAgent tell Voucherify from a prober), route, status and latency (Voucherify gives up after
 * 10 s), and API Gateway's own error messages (integrationError is where Api5xxAlarm points). Left
 * out: what the route key already says (method, path), what CloudWatch metrics carry per stage
 * (IntegrationLatency) and what an answer's status already tells (integrationStatus, protocol,
 * responseLength). Never headers or bodies: they carry the signature and customers' details.
 * No CDK import: the cost model (bench/cost.ts) sizes the line from these fields.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLatency: '$context.responseLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
} as const;
