/**
 * Factories for `customer.segment.entered` send-outs, built from the shared fixtures with only
 * what a test is about changed, so no test hand-writes an event.
 */
import { randomUUID } from 'node:crypto';
import type { SenderIdentity } from '../../functions/distribute/config.ts';
import type { DistributionMessage } from '../../functions/distribute/distributionMessage.ts';
import { createFormatters } from '../../functions/distribute/formatters.ts';
import type { MessageContext } from '../../functions/distribute/messageView.ts';
import { renderMessage } from '../../functions/distribute/renderMessage.ts';
import { type DistributionKind, parseWebhook, type SegmentEnteredWebhook } from '../../functions/shared/webhookContract.ts';
import { readFixture } from './fixtures.ts';
import { withEnvelopeId } from './webhookRequests.ts';

/** The fixture each kind starts from. */
export const KIND_FIXTURES: Readonly<Record<DistributionKind, string>> = {
  plain_message: 'segment-entered-plain-message.json',
  promotion: 'segment-entered-promotion.json',
  unique_code: 'segment-entered-unique-code.json',
};

type Json = Record<string, unknown>;

export interface SendOutChanges {
  /** The envelope id; a fresh `whs_test_…` id by default, so every send-out is new to the idempotency table. */
  readonly id?: string;
  /** The envelope `type`: the marketer's event name. */
  readonly type?: string;
  readonly sourceId?: string;
  /** Merged into `data.customer`. */
  readonly customer?: Json;
  /** Merged into `data.segment`. */
  readonly segment?: Json;
  /** Merged into `data.campaign`. */
  readonly campaign?: Json;
  /** Merged into `data.voucher` (unique_code); `discount`, `gift` and `loyalty_card` replace the fixture's. */
  readonly voucher?: Json;
  /** Merged into `data.promotion_tier` (promotion). */
  readonly promotionTier?: Json;
}

export const freshEnvelopeId = (): string => `whs_test_${randomUUID().replaceAll('-', '')}`;

/** The send-out as JSON text, as the ingest puts it on the queue. */
export function sendOutBody(kind: DistributionKind, changes: SendOutChanges = {}): string {
  const body = JSON.parse(readFixture(KIND_FIXTURES[kind])) as Json & { data: Json; source: Json };
  body.id = changes.id ?? freshEnvelopeId();
  body.created_at = new Date().toISOString();
  if (changes.type !== undefined) body.type = changes.type;
  if (changes.sourceId !== undefined) body.source = { ...body.source, id: changes.sourceId };
  const merge = (key: string, change: Json | undefined) => {
    if (change) body.data[key] = { ...(body.data[key] as Json), ...change };
  };
  merge('customer', changes.customer);
  merge('segment', changes.segment);
  merge('campaign', changes.campaign);
  merge('voucher', changes.voucher);
  merge('promotion_tier', changes.promotionTier);
  return JSON.stringify(body);
}

/** The send-out parsed with the shared contract, as the worker sees it. */
export function sendOut(kind: DistributionKind, changes: SendOutChanges = {}): SegmentEnteredWebhook {
  return parsedSendOut(sendOutBody(kind, changes));
}

export function parsedSendOut(body: string): SegmentEnteredWebhook {
  const parsed = parseWebhook(JSON.parse(body));
  if (parsed.outcome !== 'segment_entered') throw new Error(`Not a valid send-out: ${parsed.outcome}`);
  return parsed.webhook;
}

/** A fixture with a fresh envelope id, as a new send-out of the same distribution. */
export const freshFixtureBody = (name: string): string => withEnvelopeId(readFixture(name), freshEnvelopeId());

/** The formatting the defaults give (EUR, en-GB, UTC). */
export const defaultFormatters = createFormatters({ currency: 'EUR', locale: 'en-GB', timeZone: 'UTC' });

/** Who the test messages are from. */
export const TEST_SENDER: SenderIdentity = {
  address: 'offers@shop.example',
  name: 'Example Shop',
  companyName: 'Example Shop Ltd',
  postalAddress: 'Example Street 1, 00-001 Example City, Poland',
  logoUrl: undefined,
  accentColor: '#1f5fbf',
  replyTo: 'help@shop.example',
};

export const TEST_UNSUBSCRIBE_URL = 'https://hooks.shop.example/unsubscribe?token=test';

/** What a message says beyond its event, as the tests render it: formatters, sender and an unsubscribe link. */
export const messageContext: MessageContext = { format: defaultFormatters, sender: TEST_SENDER, unsubscribeUrl: TEST_UNSUBSCRIBE_URL };

/** The send-out rendered with the default templates and formatting: what a channel is given. */
export const renderedSendOut = (kind: DistributionKind, changes: SendOutChanges = {}): DistributionMessage =>
  renderMessage(sendOut(kind, changes), { ...messageContext, overrides: {} });

/** The content of each paragraph of an HTML message, whatever the paragraph's style attribute. */
export const paragraphsOf = (html: string): string[] => [...html.matchAll(/<p(?:\s[^>]*)?>(.*?)<\/p>/gs)].map((match) => match[1]!);
