import { isUtf8 } from 'node:buffer';
import { parseJsonObject } from '../shared/parseJsonObject.ts';
import {
  type ContractIssue,
  classifyDistribution,
  type DistributionKind,
  distributionIdOf,
  parseWebhookForAcceptance,
} from '../shared/webhookContract.ts';
import type { SigningSecrets } from './signingSecrets.ts';
import { decodeSignature, matchesSignature } from './verifySignature.ts';
import type { WebhookQueue } from './webhookQueue.ts';

/** What the ingest needs of an HTTP request, independent of API Gateway's event shape. */
export interface WebhookRequest {
  readonly body: string | undefined;
  readonly isBase64Encoded: boolean;
  readonly contentType: string | undefined;
  readonly signature: string | undefined;
}

export type RejectionReason =
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'invalid_signature'
  | 'malformed_json'
  | 'invalid_payload';

export type IgnoreReason = 'unhandled_event_type' | 'stale_event';

/** The ids that identify a send-out in logs, known once its envelope has been validated. */
export interface WebhookIdentity {
  readonly envelopeId: string;
  readonly eventId: string;
  readonly distributionId: string | undefined;
}

export type WebhookOutcome =
  | ({ readonly outcome: 'accepted'; readonly kind: DistributionKind } & WebhookIdentity)
  | ({ readonly outcome: 'ignored'; readonly reason: IgnoreReason; readonly eventType: string } & WebhookIdentity)
  | { readonly outcome: 'rejected'; readonly reason: RejectionReason; readonly issues?: readonly ContractIssue[] };

export interface ReceiveWebhookDependencies {
  readonly secrets: SigningSecrets;
  readonly queue: WebhookQueue;
  readonly maxBodyBytes: number;
  /** 0 turns the replay guard off. */
  readonly maxEventAgeSeconds: number;
  readonly now?: () => number;
  /** Called as soon as the envelope is known to be valid, so every later log line can carry its ids. */
  readonly onIdentified?: (identity: WebhookIdentity) => void;
}

const rejected = (reason: RejectionReason, issues?: readonly ContractIssue[]): WebhookOutcome =>
  issues ? { outcome: 'rejected', reason, issues } : { outcome: 'rejected', reason };

/**
 * Decides what to do with one webhook request. The checks run in a fixed order, cheapest and
 * least trusting first: size, media type, signature (before any parsing), JSON, schema, event
 * type; only then is the body enqueued. Dependency failures (secret, queue) are thrown as
 * IngestErrors; everything wrong with the request itself is a returned outcome.
 */
export async function receiveWebhook(
  request: WebhookRequest,
  dependencies: ReceiveWebhookDependencies,
): Promise<WebhookOutcome> {
  const signed = bodyWithinLimit(request.body ?? '', request.isBase64Encoded, dependencies.maxBodyBytes);
  if (signed === undefined) return rejected('payload_too_large');
  if (!isJsonMediaType(request.contentType)) return rejected('unsupported_media_type');

  // A request that carries no usable signature is refused without even fetching the secret.
  const signature = decodeSignature(request.signature);
  if (!signature) return rejected('invalid_signature');
  const secrets = dependencies.secrets.currentIfKnown?.() ?? (await dependencies.secrets.current());
  if (!matchesSignature(signed, signature, secrets)) return rejected('invalid_signature');

  const text = decodeJsonText(signed);
  if (text === undefined) return rejected('malformed_json');
  const json = parseJsonObject(text);
  if (json === undefined) return rejected('malformed_json');

  const parsed = parseWebhookForAcceptance(json);
  if (parsed.outcome === 'invalid') return rejected('invalid_payload', parsed.issues);
  const envelope = parsed.outcome === 'segment_entered' ? parsed.webhook : parsed.envelope;
  const identity: WebhookIdentity = {
    envelopeId: envelope.id,
    eventId: envelope.event.id,
    distributionId: parsed.outcome === 'segment_entered' ? distributionIdOf(parsed.webhook) : (envelope.source.id ?? undefined),
  };
  dependencies.onIdentified?.(identity);

  if (parsed.outcome === 'other_event') {
    return { outcome: 'ignored', reason: 'unhandled_event_type', eventType: envelope.event.type, ...identity };
  }
  if (dependencies.maxEventAgeSeconds > 0) {
    const createdAt = Date.parse(envelope.created_at);
    if (Number.isNaN(createdAt)) {
      return rejected('invalid_payload', [{ path: 'created_at', message: 'must be an ISO 8601 timestamp' }]);
    }
    const ageMs = (dependencies.now ?? Date.now)() - createdAt;
    if (ageMs > dependencies.maxEventAgeSeconds * 1000) {
      return { outcome: 'ignored', reason: 'stale_event', eventType: envelope.event.type, ...identity };
    }
  }

  const kind = classifyDistribution(parsed.webhook.data);
  await dependencies.queue.enqueue({ body: text, kind, ...identity });
  return { outcome: 'accepted', kind, ...identity };
}

/**
 * The body as signed (the text, or the decoded bytes of a base64 body) when its decoded size is
 * within the limit; undefined when it is too large. Text is decided without counting for most
 * bodies (UTF-8 needs at most 3 bytes per UTF-16 code unit). A base64 body is measured after
 * decoding, since padding and stray characters make its encoded length only an estimate; one far
 * too long to fit is refused without decoding.
 */
function bodyWithinLimit(body: string, isBase64Encoded: boolean, limit: number): string | Buffer | undefined {
  if (!isBase64Encoded) {
    if (body.length * 3 <= limit) return body;
    return Buffer.byteLength(body, 'utf8') <= limit ? body : undefined;
  }
  if (body.length > limit * 2) return undefined;
  const bytes = Buffer.from(body, 'base64');
  return bytes.length <= limit ? bytes : undefined;
}

/**
 * A missing Content-Type is accepted (some senders omit it); otherwise it must be JSON
 * (`application/json` or a `+json` type) and, if a charset is named, UTF-8, the only encoding
 * JSON may use between systems (RFC 8259 §8.1).
 */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType === 'application/json') return true;
  if (contentType.trim() === '') return true;
  const [mediaType = '', ...parameters] = contentType.split(';');
  const type = mediaType.trim().toLowerCase();
  if (type !== 'application/json' && !(type.startsWith('application/') && type.endsWith('+json'))) return false;
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=');
    if (name.trim().toLowerCase() !== 'charset') continue;
    const charset = value.trim().replace(/^"|"$/g, '').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') return false;
  }
  return true;
}

/**
 * The body as text, or undefined when it is not valid Unicode. The text enqueued must be exactly
 * the bytes that were verified, so a body that would not survive the round trip is refused.
 */
function decodeJsonText(signed: string | Buffer): string | undefined {
  if (typeof signed !== 'string') return isUtf8(signed) ? signed.toString('utf8') : undefined;
  return signed.isWellFormed() ? signed : undefined;
}
