/**
 * Failures inside the distribute function. Each says which way it goes: a transient error leaves
 * the record to SQS to retry, a permanent one sends it to the DLQ at once. Which outcome and
 * reason each becomes is decided in one place, distributeRecord.ts. Messages and details never
 * carry contact details: they end up in logs and in DLQ message attributes.
 */
export abstract class DistributeError extends Error {
  /** Short and contact-free: an error name, an HTTP status, a template path. */
  readonly detail: string;
  constructor(message: string, detail: string, options?: ErrorOptions) {
    super(message, options);
    this.detail = detail;
  }
}

/** The channel could not deliver now, and the same request may well succeed later. */
export class TransientDeliveryError extends DistributeError {
  override readonly name: string = 'TransientDeliveryError';
}

/**
 * The provider is over its rate or quota and asks us to slow down: expected during a big send-out,
 * never a reason to give a record up. The record goes back on the queue with a delay.
 */
export class ThrottledDeliveryError extends TransientDeliveryError {
  override readonly name = 'ThrottledDeliveryError';
  /** How long the provider asked us to wait (Retry-After), when it said. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, detail: string, retryAfterMs?: number, options?: ErrorOptions) {
    super(message, detail, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The channel refused this message for good (a rejected address, a 4xx): retrying would fail the same way. */
export class PermanentDeliveryError extends DistributeError {
  override readonly name = 'PermanentDeliveryError';
}

/** A template cannot be rendered: an unknown placeholder, an unbalanced section, a bad tag. */
export class TemplateError extends DistributeError {
  override readonly name = 'TemplateError';
}

/** The idempotency table could not be read or written: without it nothing may be sent. */
export class IdempotencyStoreError extends DistributeError {
  override readonly name = 'IdempotencyStoreError';
}

/** The dead-letter queue refused a permanently failed record: it stays on the queue instead. */
export class DeadLetterQueueError extends DistributeError {
  override readonly name = 'DeadLetterQueueError';
}

/**
 * An error's name without trusting `instanceof Error`: errors from another realm (fetch's
 * DOMException under a test runner's VM context) or plain objects thrown by libraries have one too.
 */
export function errorName(error: unknown): string {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? name : 'UnknownError';
}
