import { hmacSha256Hex } from '../shared/hmacSha256.ts';
import type { DeliveryChannel } from './deliveryChannel.ts';
import { type DistributionMessage, messageDocument } from './distributionMessage.ts';
import { errorName, PermanentDeliveryError, ThrottledDeliveryError, TransientDeliveryError } from './errors.ts';

/** Headers of a forwarded message; the receiver verifies the signature as described in forwardSignature. */
export const FORWARD_HEADERS = {
  signature: 'x-webhook-signature',
  timestamp: 'x-webhook-timestamp',
  /** The envelope id: the same send-out always carries the same key, so the receiver can deduplicate too. */
  idempotencyKey: 'idempotency-key',
} as const;

export interface HttpChannelOptions {
  readonly url: URL;
  /** The current signing secret (fetched and cached when it lives in Secrets Manager). */
  readonly signingSecret: () => Promise<string>;
  /** Upper bound on one request, connection included. */
  readonly timeoutMs: number;
  readonly now?: () => number;
}

/**
 * `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`: the timestamp is signed with the body so a
 * captured request cannot be replayed later with a fresh timestamp; the receiver should refuse
 * timestamps more than a few minutes old and compare signatures in constant time.
 */
export const forwardSignature = (timestamp: string, body: string, secret: string): string =>
  `sha256=${hmacSha256Hex(`${timestamp}.${body}`, secret)}`;

/**
 * The JSON posted for a message: the outbox document plus the envelope id and the customer's own
 * id in the merchant's systems. `to` is null for customers without an e-mail address: a CRM can
 * still reach them by id.
 */
export function forwardBody(message: DistributionMessage): string {
  return JSON.stringify({
    id: message.envelopeId,
    ...messageDocument(message),
    customer_source_id: message.customerSourceId ?? null,
  });
}

export function forwardRequest(
  message: DistributionMessage,
  secret: string,
  nowMs: number,
): { body: string; headers: Record<string, string> } {
  const body = forwardBody(message);
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    body,
    headers: {
      'content-type': 'application/json',
      [FORWARD_HEADERS.idempotencyKey]: message.envelopeId,
      [FORWARD_HEADERS.timestamp]: timestamp,
      [FORWARD_HEADERS.signature]: forwardSignature(timestamp, body, secret),
    },
  };
}

/**
 * 2xx delivered; 429 and 503 are the receiver asking us to slow down; 408 and other 5xx worth
 * retrying; any other status (4xx, and 3xx: a moved URL is misconfigured) refused.
 */
export function classifyHttpStatus(status: number): 'delivered' | 'throttled' | 'transient' | 'permanent' {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 429 || status === 503) return 'throttled';
  if (status === 408 || status >= 500) return 'transient';
  return 'permanent';
}

/** The longest wait a Retry-After is taken at: SQS cannot delay a message longer. */
const MAX_RETRY_AFTER_MS = 15 * 60 * 1000;

/** Retry-After in milliseconds, from seconds or an HTTP date (RFC 9110); undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - nowMs;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

export function httpChannel(options: HttpChannelOptions): DeliveryChannel {
  const now = options.now ?? Date.now;
  return {
    name: 'http',
    requiresEmail: false,
    async deliver(message) {
      const { body, headers } = forwardRequest(message, await options.signingSecret(), now());
      let requestHeaders: Headers;
      try {
        requestHeaders = new Headers(headers);
      } catch (error) {
        // Only visible ASCII can go in a header, and the same message would fail the same way again.
        throw new PermanentDeliveryError('A header of the forwarded message cannot be built', 'http:invalid_header', { cause: error });
      }
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: 'POST',
          headers: requestHeaders,
          body,
          // A redirected POST would be replayed as a GET elsewhere: treat it as the answer instead.
          redirect: 'manual',
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        const detail = errorName(error) === 'TimeoutError' ? 'http:timeout' : 'http:network';
        throw new TransientDeliveryError('The forward URL could not be reached', detail, { cause: error });
      }
      await discardBody(response);
      const detail = `http:${response.status}`;
      switch (classifyHttpStatus(response.status)) {
        case 'delivered':
          return { reference: detail };
        case 'throttled':
          throw new ThrottledDeliveryError(
            'The forward URL asks us to slow down',
            detail,
            retryAfterMs(response.headers.get('retry-after'), now()),
          );
        case 'transient':
          throw new TransientDeliveryError('The forward URL could not take the message now', detail);
        case 'permanent':
          throw new PermanentDeliveryError('The forward URL refused the message', detail);
      }
    },
  };
}

/** Bodies up to this size are read to the end rather than cancelled. */
const SMALL_BODY_BYTES = 64 * 1024;

/**
 * Only the status matters; the body is drained so the connection can be reused. A small (usually
 * empty) body is read to its end: cancelling a stream allocates an abort exception, a measurable
 * share of the worker's CPU. A large or unsized one is cancelled instead of being buffered.
 */
async function discardBody(response: Response): Promise<void> {
  if (!response.body) return;
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  if (length <= SMALL_BODY_BYTES) await response.arrayBuffer().catch(() => undefined);
  else await response.body.cancel().catch(() => undefined);
}
