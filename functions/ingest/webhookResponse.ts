import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ConfigurationError } from '../shared/env.ts';
import { QueueUnavailableError, SecretNotConfiguredError, SecretUnavailableError } from './errors.ts';
import type { RejectionReason, WebhookOutcome } from './receiveWebhook.ts';

/** The one place that decides HTTP statuses for the ingest. */
export const REJECTION_STATUS: Readonly<Record<RejectionReason, number>> = {
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_signature: 401,
  malformed_json: 400,
  invalid_payload: 422,
};

export type FailureReason = 'server_misconfigured' | 'unavailable' | 'internal_error';

const FAILURE_STATUS: Readonly<Record<FailureReason, number>> = {
  // Fail closed: a deployment without a usable secret or configuration must never answer 2xx.
  server_misconfigured: 500,
  // Transient: Voucherify retries a non-2xx, so nothing it sent is lost.
  unavailable: 503,
  internal_error: 500,
};

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

const jsonResponse = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: JSON_HEADERS,
  body: JSON.stringify(body),
});

/** The bodies of rejections without issues, serialised once: a forged request should cost an HMAC, not a JSON.stringify. */
const REJECTION_BODIES = Object.fromEntries(
  Object.keys(REJECTION_STATUS).map((reason) => [reason, JSON.stringify({ error: reason })]),
) as Readonly<Record<RejectionReason, string>>;

export function outcomeResponse(outcome: WebhookOutcome): APIGatewayProxyStructuredResultV2 {
  switch (outcome.outcome) {
    case 'accepted':
      return jsonResponse(202, { status: 'accepted', id: outcome.envelopeId });
    case 'ignored':
      return jsonResponse(200, {
        status: 'ignored',
        id: outcome.envelopeId,
        reason: outcome.reason,
        event_type: outcome.eventType,
      });
    case 'rejected':
      if (!outcome.issues) return { statusCode: REJECTION_STATUS[outcome.reason], headers: JSON_HEADERS, body: REJECTION_BODIES[outcome.reason] };
      return jsonResponse(REJECTION_STATUS[outcome.reason], { error: outcome.reason, issues: outcome.issues });
  }
}

/** Which failure an error is; its message and cause stay in the logs, never in the response. */
export function classifyFailure(error: unknown): FailureReason {
  if (error instanceof SecretNotConfiguredError || error instanceof ConfigurationError) return 'server_misconfigured';
  if (error instanceof SecretUnavailableError || error instanceof QueueUnavailableError) return 'unavailable';
  return 'internal_error';
}

export function failureResponse(reason: FailureReason): APIGatewayProxyStructuredResultV2 {
  return jsonResponse(FAILURE_STATUS[reason], { error: reason });
}
