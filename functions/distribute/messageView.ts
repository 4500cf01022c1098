import type { DistributionKind, SegmentEnteredWebhook, Voucher } from '../shared/webhookContract.ts';
import type { SenderIdentity } from './config.ts';
import { describeDiscount, isReferralCode } from './describeDiscount.ts';
import { displayName, firstNameOf } from './displayName.ts';
import { displayText } from './displayText.ts';
import type { Formatters } from './formatters.ts';

/**
 * What templates can say, prepared from the event: names rather than ids, amounts and dates in
 * words. Every key is always present (null when unknown), so a template naming a key that does
 * not exist fails the template check instead of rendering an empty hole. `promotion` and
 * `voucher` are null unless the send-out is of that kind.
 */
export type MessageView = {
  readonly customer: {
    /** The name the customer gave, cleaned by displayName; null when it does not read as a name. */
    readonly name: string | null;
    /** The first word of the name, for a friendly greeting. */
    readonly first_name: string | null;
  };
  /** The segment's name is the marketer's internal label: the default templates never show it. */
  readonly segment: { readonly name: string | null };
  readonly campaign: { readonly name: string | null };
  readonly promotion: {
    readonly tier_name: string | null;
    readonly banner: string | null;
    /** When the promotion's campaign ends, in words. */
    readonly ends_on: string | null;
  } | null;
  readonly voucher: {
    readonly code: string;
    /** What the code gives the customer: a discount, a gift card or loyalty points, in words. Null for a referral code. */
    readonly discount: string | null;
    /** What the friends who use a referral code get, in words; null for any other code. */
    readonly referral_discount: string | null;
    /** Whether the code is one to share with friends (a referral program's code). */
    readonly is_referral: boolean;
    /** In words; the voucher's own expiry, else its campaign's. */
    readonly expires_on: string | null;
  } | null;
  /** Who the mail is from: configuration, never the event. Every default template's footer shows it. */
  readonly sender: {
    readonly name: string;
    readonly company_name: string;
    readonly postal_address: string;
    readonly logo_url: string | null;
    readonly accent_color: string;
  };
  /** This customer's unsubscribe page (one click), in every message. */
  readonly unsubscribe_url: string;
};

/** What a message says that does not come from the event: the sender and the customer's unsubscribe link. */
export interface MessageContext {
  readonly format: Formatters;
  readonly sender: SenderIdentity;
  readonly unsubscribeUrl: string;
}

export function buildMessageView(webhook: SegmentEnteredWebhook, kind: DistributionKind, context: MessageContext): MessageView {
  const { format, sender } = context;
  const { customer, segment, campaign, promotion_tier: tier, voucher } = webhook.data;
  const name = displayName(customer.name);
  const campaignExpiry = campaign?.expiration_date ? format.date(campaign.expiration_date) : null;
  return {
    customer: { name, first_name: firstNameOf(name) },
    segment: { name: displayText(segment.name) },
    campaign: { name: displayText(campaign?.name ?? voucher?.campaign) },
    promotion:
      kind === 'promotion' && tier
        ? { tier_name: displayText(tier.name), banner: displayText(tier.banner), ends_on: campaignExpiry }
        : null,
    voucher:
      kind === 'unique_code' && voucher?.code ? voucherView(voucher, voucher.code, campaign?.campaign_type, format, campaignExpiry) : null,
    sender: {
      name: sender.name,
      company_name: sender.companyName,
      postal_address: sender.postalAddress,
      logo_url: sender.logoUrl ?? null,
      accent_color: sender.accentColor,
    },
    unsubscribe_url: context.unsubscribeUrl,
  };
}

function voucherView(
  voucher: Voucher,
  code: string,
  campaignType: string | null | undefined,
  format: Formatters,
  campaignExpiry: string | null,
): NonNullable<MessageView['voucher']> {
  const gives = describeDiscount(voucher, format);
  const isReferral = isReferralCode(voucher, campaignType);
  return {
    code,
    discount: isReferral ? null : gives,
    referral_discount: isReferral ? gives : null,
    is_referral: isReferral,
    expires_on: voucher.expiration_date ? format.date(voucher.expiration_date) : campaignExpiry,
  };
}
