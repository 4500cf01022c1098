/**
 * Failures of the ingest's dependencies. Problems with the request itself are not errors: they are
 * outcomes (see receiveWebhook.ts). Which HTTP status each error becomes is decided in
 * webhookResponse.ts, and nothing of the cause ever reaches the response body.
 */
export abstract class IngestError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** No signing secret is configured, or the configured secret is empty: fail closed. */
export class SecretNotConfiguredError extends IngestError {
  override readonly name = 'SecretNotConfiguredError';
}

/** The signing secret could not be fetched and no recent copy is cached: Voucherify should retry. */
export class SecretUnavailableError extends IngestError {
  override readonly name = 'SecretUnavailableError';
}

/** SQS refused the message or did not answer in time: nothing was accepted, Voucherify should retry. */
export class QueueUnavailableError extends IngestError {
  override readonly name = 'QueueUnavailableError';
}
