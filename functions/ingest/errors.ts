import type { ContractIssue } from '../shared/webhookContract.ts';

/** What can be wrong with a request itself; each reason is answered with its own status. */
export type RejectionReason = 'payload_too_large' | 'unsupported_media_type' | 'invalid_signature' | 'malformed_json' | 'invalid_payload';

/** The one place that decides the status of each rejection. */
export const REJECTION_STATUS: Readonly<Record<RejectionReason, number>> = {
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_signature: 401,
  malformed_json: 400,
  invalid_payload: 422,
};

/**
 * The request is refused for what it is: answered with the reason's status and a JSON body naming
 * the problem (and, for an invalid payload, the paths of the fields at fault). Middy's own HTTP
 * errors (statusCode, expose) have the same shape, so its middlewares' errors travel the same way.
 */
export class WebhookRejectedError extends Error {
  override readonly name = 'WebhookRejectedError';
  readonly reason: RejectionReason;
  readonly statusCode: number;
  readonly expose = true;
  readonly issues: readonly ContractIssue[] | undefined;
  constructor(reason: RejectionReason, issues?: readonly ContractIssue[], options?: ErrorOptions) {
    super(`Webhook rejected: ${reason}`, options);
    this.reason = reason;
    this.statusCode = REJECTION_STATUS[reason];
    this.issues = issues;
  }
}

/**
 * Failures of the ingest's dependencies. Which status each becomes is decided in
 * middleware/webhookErrorResponse.ts, and nothing of the cause ever reaches the response body.
 */
export abstract class IngestError extends Error {}

/** No signing secret is configured, or the configured secret is empty: fail closed. */
export class SecretNotConfiguredError extends IngestError {
  override readonly name = 'SecretNotConfiguredError';
}

/** The signing secret could not be fetched and no recent copy is cached: Voucherify should retry. */
export class SecretUnavailableError extends IngestError {
  override readonly name = 'SecretUnavailableError';
}

/**
 * The message would be larger than the queue stores, once written as SQS takes it (the noncharacters
 * SQS refuses escaped, attributes included): a valid body that can never be enqueued, so it is
 * answered 413, not a 5xx Voucherify would retry until it pauses the distribution.
 */
export class MessageTooLargeError extends IngestError {
  override readonly name = 'MessageTooLargeError';
}

/** SQS refused the message or did not answer in time: nothing was accepted, Voucherify should retry. */
export class QueueUnavailableError extends IngestError {
  override readonly name = 'QueueUnavailableError';
}
