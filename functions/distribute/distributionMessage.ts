import type { DistributionKind } from '../shared/webhookContract.ts';
import type { SenderIdentity } from './config.ts';
import { mailbox, unsubscribeHeaders } from './mailHeaders.ts';

/** One send-out, rendered and addressed: what a delivery channel sends. */
export interface DistributionMessage {
  /** The envelope `id` (`whs_…`): the idempotency key of the delivery. */
  readonly envelopeId: string;
  readonly eventId: string;
  readonly kind: DistributionKind;
  readonly distributionId: string | undefined;
  readonly customerId: string;
  /** The customer's id in the merchant's own systems, when Voucherify has it. */
  readonly customerSourceId: string | undefined;
  readonly segmentId: string;
  /** The customer's e-mail address; channels that send e-mail skip customers without one. */
  readonly to: string | undefined;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The customer's one-click unsubscribe URL, in the message and in its List-Unsubscribe header. */
  readonly unsubscribeUrl: string;
  /** Who it is from: the From and Reply-To the channel sets. */
  readonly sender: SenderIdentity;
  /** Which template rendered it: `default` or `override:<key>`. */
  readonly templateKey: string;
  /** unique_code only. */
  readonly voucherCode: string | undefined;
  /** promotion only. */
  readonly promotionTierId: string | undefined;
}

/**
 * The message as a flat JSON document: the outbox's line, and the core of what the http channel
 * posts. `voucher_code` appears for unique codes and `promotion_tier_id` for promotions only.
 */
export function messageDocument(message: DistributionMessage): Record<string, unknown> {
  const { sender } = message;
  const document: Record<string, unknown> = {
    event_id: message.eventId,
    kind: message.kind,
    customer_id: message.customerId,
    segment_id: message.segmentId,
    distribution_id: message.distributionId ?? null,
    from: sender.address ? mailbox(sender.name, sender.address) : null,
    from_name: sender.name,
    reply_to: sender.replyTo ?? null,
    to: message.to ?? null,
    headers: unsubscribeHeaders(message),
    unsubscribe_url: message.unsubscribeUrl,
    subject: message.subject,
    text: message.text,
    html: message.html,
  };
  if (message.kind === 'unique_code') document.voucher_code = message.voucherCode ?? null;
  if (message.kind === 'promotion') document.promotion_tier_id = message.promotionTierId ?? null;
  return document;
}
