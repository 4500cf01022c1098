/**
 * What the ingest contract says a correctly signed, JSON-typed request within the size limit gets,
 * worked out from the specification (the status table, ../shared/voucherify/README.md §2–3)
 * without the ingest's own code, so that the fuzz tests check each answer and not only its shape.
 *
 * Required: envelope `id`, `project_id`, `created_at`, `type` strings; `data`, `source`, `event`
 * JSON objects; `event.id` and `event.type` strings. The envelope and event ids travel as SQS
 * message attributes, idempotency keys and an HTTP header, so they must be 1–256 visible ASCII
 * characters (webhookContract.ts). For
 * `customer.segment.entered` also `data.customer` and `data.segment` objects with non-empty string
 * `id`s. Everything else is optional, nullable, and ignored when of an unexpected type.
 */
import { isUtf8 } from 'node:buffer';
import type { DistributionKind } from '../../functions/shared/webhookContract.ts';

export type ExpectedOutcome =
  | { readonly status: 400 }
  | { readonly status: 422; readonly issuePaths: readonly string[] }
  | { readonly status: 200; readonly reason: 'unhandled_event_type' | 'stale_event'; readonly envelopeId: string }
  | { readonly status: 202; readonly kind: DistributionKind; readonly envelopeId: string; readonly eventId: string };

/** The replay guard as configured: `maxEventAgeSeconds` 0 turns it off. */
export interface ReplayGuard {
  readonly maxEventAgeSeconds: number;
  readonly now: number;
}

const GUARD_OFF: ReplayGuard = { maxEventAgeSeconds: 0, now: 0 };

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
/** Own properties only: a `__proto__` key in the JSON is data, never a way to inherit a field. */
const field = (object: JsonObject, key: string): unknown => (Object.hasOwn(object, key) ? object[key] : undefined);
const isString = (value: unknown): value is string => typeof value === 'string';
const isNonEmptyString = (value: unknown): value is string => isString(value) && value.length > 0;
const isTransportId = (value: unknown): value is string => isNonEmptyString(value) && value.length <= 256 && /^[\x21-\x7E]+$/.test(value);

/** Paths of the required fields that are missing or of the wrong type, in the object at `prefix`. */
function failingFields(object: JsonObject, prefix: string, checks: Record<string, (value: unknown) => boolean>): string[] {
  return Object.entries(checks).flatMap(([key, check]) => (check(field(object, key)) ? [] : [prefix + key]));
}

export function expectedOutcomeOfDocument(document: unknown, guard: ReplayGuard = GUARD_OFF): ExpectedOutcome {
  if (!isObject(document)) return { status: 400 };
  const envelopeIssues = failingFields(document, '', {
    id: isTransportId,
    project_id: isString,
    created_at: isString,
    type: isString,
    data: isObject,
    source: isObject,
    event: isObject,
  });
  const event = field(document, 'event');
  if (isObject(event)) envelopeIssues.push(...failingFields(event, 'event.', { id: isTransportId, type: isString }));
  if (envelopeIssues.length > 0) return { status: 422, issuePaths: envelopeIssues };

  const envelopeId = field(document, 'id') as string;
  const { id: eventId, type: eventType } = event as { id: string; type: string };
  if (eventType !== 'customer.segment.entered') return { status: 200, reason: 'unhandled_event_type', envelopeId };

  const data = field(document, 'data') as JsonObject;
  const dataIssues = failingFields(data, 'data.', { customer: isObject, segment: isObject });
  for (const key of ['customer', 'segment']) {
    const object = field(data, key);
    if (isObject(object)) dataIssues.push(...failingFields(object, `data.${key}.`, { id: isNonEmptyString }));
  }
  if (dataIssues.length > 0) return { status: 422, issuePaths: dataIssues };

  if (guard.maxEventAgeSeconds > 0) {
    const createdAt = Date.parse(field(document, 'created_at') as string);
    if (Number.isNaN(createdAt)) return { status: 422, issuePaths: ['created_at'] };
    if (guard.now - createdAt > guard.maxEventAgeSeconds * 1000) return { status: 200, reason: 'stale_event', envelopeId };
  }
  return { status: 202, kind: expectedKind(data), envelopeId, eventId };
}

/** README §1: a voucher with a code is "unique codes", a promotion tier "promotion", else a plain message. */
function expectedKind(data: JsonObject): DistributionKind {
  const voucher = field(data, 'voucher');
  if (isObject(voucher) && isNonEmptyString(field(voucher, 'code'))) return 'unique_code';
  if (isObject(field(data, 'promotion_tier'))) return 'promotion';
  return 'plain_message';
}

/** For a body given as text: text that is not well-formed Unicode or not JSON is malformed. */
export function expectedOutcomeOfText(text: string, guard?: ReplayGuard): ExpectedOutcome {
  if (!text.isWellFormed()) return { status: 400 };
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { status: 400 };
  }
  return expectedOutcomeOfDocument(document, guard);
}

/** For a body given as bytes (base64 in the event): bytes that are not UTF-8 are malformed. */
export const expectedOutcomeOfBytes = (bytes: Buffer, guard?: ReplayGuard): ExpectedOutcome =>
  isUtf8(bytes) ? expectedOutcomeOfText(bytes.toString('utf8'), guard) : { status: 400 };
