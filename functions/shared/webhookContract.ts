/**
 * The message contract between the ingest and the distribute functions: the shape of a Voucherify
 * webhook envelope (v2024-01-01), of a `customer.segment.entered` event's `data`, the distribution
 * kinds, and the SQS message attributes the ingest attaches. Both functions import this module and
 * nothing else defines these shapes.
 *
 * Leniency is deliberate (see ../shared/voucherify/README.md §3): Voucherify puts `null` where its
 * schema says `string` and adds keys over time. Only what the receiver cannot work without is
 * required; every other field is optional and nullable, and a field of an unexpected type is
 * treated as absent rather than failing the whole send-out. Unknown keys are kept.
 */
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import * as v from 'valibot';

/** The only event type this product acts on; every other signed event is acknowledged and ignored. */
export const SEGMENT_ENTERED_EVENT_TYPE = 'customer.segment.entered';

export const DISTRIBUTION_KINDS = ['plain_message', 'promotion', 'unique_code'] as const;
export type DistributionKind = (typeof DISTRIBUTION_KINDS)[number];

/** SQS message attribute names set by the ingest and read by the worker and by operators in the DLQ. */
export const MESSAGE_ATTRIBUTE = {
  envelopeId: 'EnvelopeId',
  eventId: 'EventId',
  distributionKind: 'DistributionKind',
  distributionId: 'DistributionId',
  /** Set by the worker on a record it puts back to wait its turn: when the send-out was first queued (epoch ms). */
  firstQueuedAt: 'FirstQueuedAt',
  /** With FirstQueuedAt: how many times the send-out has been put back. */
  deferrals: 'Deferrals',
  /** Set by the worker on records it moves to the DLQ itself (permanent failures). */
  failureReason: 'FailureReason',
  /** With FailureReason: a short, contact-free explanation (issue paths, an error name, a status). */
  failureDetail: 'FailureDetail',
} as const;

/** A message attribute as both functions write it (the ingest on the queue, the worker on the DLQ). */
export const messageAttribute = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

const isJsonObject = (input: unknown): boolean => typeof input === 'object' && input !== null && !Array.isArray(input);

const anyJsonObject = v.custom<Record<string, unknown>>(isJsonObject, 'must be a JSON object');

/**
 * A JSON object (never an array or null) with the given entries; unknown keys are kept.
 * valibot's object schemas accept arrays, so the plain-object check comes first.
 */
const jsonObject = <const TEntries extends v.ObjectEntries>(entries: TEntries) =>
  v.pipe(anyJsonObject, v.looseObject(entries, 'is required'));

const requiredString = v.string('must be a string');

/**
 * What an envelope or event id may be: 1–256 visible ASCII characters. Ids travel as SQS message
 * attributes, as the idempotency key and as the http channel's `idempotency-key` header, and an
 * HTTP header carries only visible ASCII; Voucherify's own ids are short ASCII (`whs_…`, `evcus_…`).
 */
export const MAX_ID_LENGTH = 256;
const TRANSPORT_ID_PATTERN = /^[\x21-\x7E]+$/;

/** Ids that are only labels (the distribution's): SQS refuses control characters, unpaired surrogates and U+FFFE/U+FFFF. */
const SQS_SAFE_TEXT = /^[^\p{Cc}\p{Cs}\uFFFE\uFFFF]+$/u;
export const isSafeId = (value: string): boolean => value.length <= MAX_ID_LENGTH && SQS_SAFE_TEXT.test(value);

const requiredId = v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty'));

/** The envelope and event ids: message attributes on the queue, and the idempotency key. */
const transportId = v.pipe(
  requiredId,
  v.maxLength(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`),
  v.regex(TRANSPORT_ID_PATTERN, 'must be visible ASCII characters only'),
);

/** Optional, nullable, and treated as absent when it has an unexpected type. */
const lenient = <const TSchema extends v.GenericSchema>(schema: TSchema) => v.fallback(v.nullish(schema), undefined);

const optionalString = lenient(v.string());
const optionalNumber = lenient(v.pipe(v.number(), v.finite()));
const optionalBoolean = lenient(v.boolean());

// ---------------------------------------------------------------------------------------------
// Envelope: the same for every webhook Voucherify sends with version v2024-01-01.

export const webhookEnvelopeSchema = jsonObject({
  id: transportId,
  project_id: requiredString,
  created_at: requiredString,
  type: requiredString,
  data: jsonObject({}),
  source: jsonObject({
    id: optionalString,
    object: optionalString,
  }),
  event: jsonObject({
    id: transportId,
    type: requiredString,
    created_at: optionalString,
  }),
});

export type WebhookEnvelope = v.InferOutput<typeof webhookEnvelopeSchema>;

// ---------------------------------------------------------------------------------------------
// `data` of customer.segment.entered: customer and segment always; the rest by distribution purpose.

const customerSchema = jsonObject({
  id: requiredId,
  source_id: optionalString,
  name: optionalString,
  email: optionalString,
  phone: optionalString,
  metadata: lenient(jsonObject({})),
});

const segmentSchema = jsonObject({
  id: requiredId,
  name: optionalString,
});

const campaignSchema = jsonObject({
  id: optionalString,
  name: optionalString,
  campaign_type: optionalString,
  start_date: optionalString,
  expiration_date: optionalString,
  description: optionalString,
});

/** The product or SKU a UNIT discount gives away, as Voucherify names it in its catalogue. */
const discountedItemSchema = jsonObject({
  id: optionalString,
  source_id: optionalString,
  name: optionalString,
});

/** One of the free items of a multi-item UNIT discount (effect ADD_MANY_ITEMS). */
const discountUnitSchema = jsonObject({
  unit_off: optionalNumber,
  unit_type: optionalString,
  effect: optionalString,
  product: lenient(discountedItemSchema),
  sku: lenient(discountedItemSchema),
});

const discountSchema = jsonObject({
  type: optionalString,
  effect: optionalString,
  amount_off: optionalNumber,
  percent_off: optionalNumber,
  amount_limit: optionalNumber,
  fixed_amount: optionalNumber,
  unit_off: optionalNumber,
  unit_type: optionalString,
  product: lenient(discountedItemSchema),
  sku: lenient(discountedItemSchema),
  // A unit that is not an object is dropped, not the whole list.
  units: lenient(v.array(lenient(discountUnitSchema))),
});

const voucherSchema = jsonObject({
  id: optionalString,
  /** Decides the distribution kind (classifyDistribution). */
  code: optionalString,
  type: optionalString,
  discount: lenient(discountSchema),
  gift: lenient(jsonObject({ amount: optionalNumber, balance: optionalNumber })),
  loyalty_card: lenient(jsonObject({ points: optionalNumber, balance: optionalNumber })),
  start_date: optionalString,
  expiration_date: optionalString,
  campaign: optionalString,
  campaign_id: optionalString,
  /** A code the customer shares; its discount is what the friends who use it get. */
  is_referral_code: optionalBoolean,
});

const publicationSchema = jsonObject({
  id: optionalString,
  customer_id: optionalString,
  channel: optionalString,
  // distribution_id names the distribution of a unique-code send-out (distributionIdOf).
  metadata: lenient(jsonObject({ distribution_id: optionalString, source_type: optionalString })),
});

const promotionTierSchema = jsonObject({
  id: optionalString,
  name: optionalString,
  banner: optionalString,
  campaign: lenient(jsonObject({ id: optionalString })),
});

export const segmentEnteredDataSchema = jsonObject({
  customer: customerSchema,
  segment: segmentSchema,
  campaign: lenient(campaignSchema),
  voucher: lenient(voucherSchema),
  publication: lenient(publicationSchema),
  promotion_tier: lenient(promotionTierSchema),
});

export type SegmentEnteredData = v.InferOutput<typeof segmentEnteredDataSchema>;
export type Customer = SegmentEnteredData['customer'];
export type Voucher = NonNullable<SegmentEnteredData['voucher']>;
export type VoucherDiscount = NonNullable<Voucher['discount']>;
export type PromotionTier = NonNullable<SegmentEnteredData['promotion_tier']>;

/** A validated `customer.segment.entered` webhook: the envelope with its `data` typed. */
export type SegmentEnteredWebhook = WebhookEnvelope & { data: SegmentEnteredData };

// ---------------------------------------------------------------------------------------------
// Parsing

export interface ContractIssue {
  /** Dot path from the top of the body, e.g. `data.segment.id`; empty for the body itself. */
  readonly path: string;
  readonly message: string;
}

export type ParsedWebhook =
  | { readonly outcome: 'segment_entered'; readonly webhook: SegmentEnteredWebhook }
  | { readonly outcome: 'other_event'; readonly envelope: WebhookEnvelope }
  | { readonly outcome: 'invalid'; readonly issues: readonly ContractIssue[] };

const toContractIssues = (issues: readonly v.BaseIssue<unknown>[], prefix: string): ContractIssue[] =>
  issues.map((issue) => {
    const dotPath = v.getDotPath(issue);
    return { path: dotPath ? prefix + dotPath : prefix.slice(0, -1), message: issue.message };
  });

/**
 * Validates a parsed JSON body against the contract: the envelope first (every webhook has one),
 * then, only for `customer.segment.entered`, its `data`. Another event type in a valid envelope
 * is reported as `other_event` so the caller can acknowledge it without acting on it.
 */
export function parseWebhook(body: unknown): ParsedWebhook {
  const envelope = v.safeParse(webhookEnvelopeSchema, body);
  if (!envelope.success) return { outcome: 'invalid', issues: toContractIssues(envelope.issues, '') };
  if (envelope.output.event.type !== SEGMENT_ENTERED_EVENT_TYPE) {
    return { outcome: 'other_event', envelope: envelope.output };
  }
  const data = v.safeParse(segmentEnteredDataSchema, envelope.output.data);
  if (!data.success) return { outcome: 'invalid', issues: toContractIssues(data.issues, 'data.') };
  return { outcome: 'segment_entered', webhook: { ...envelope.output, data: data.output } };
}

/**
 * The distribution's purpose, read from which objects `data` carries: a voucher with a code means
 * "send and publish unique codes", a promotion tier means "notify about promotion", and neither
 * means "send plain message".
 */
export function classifyDistribution(data: Pick<SegmentEnteredData, 'voucher' | 'promotion_tier'>): DistributionKind {
  if (data.voucher?.code) return 'unique_code';
  if (data.promotion_tier) return 'promotion';
  return 'plain_message';
}

/**
 * The distribution (`distr_…`) that sent this webhook, when the sender is a distribution; used to
 * correlate logs and choose templates. Unique-code send-outs also name it in the publication.
 */
export function distributionIdOf(webhook: Pick<SegmentEnteredWebhook, 'source' | 'data'>): string | undefined {
  if (webhook.source.object === 'distribution' && webhook.source.id) return webhook.source.id;
  return webhook.data.publication?.metadata?.distribution_id ?? webhook.source.id ?? undefined;
}
