import type { Voucher, VoucherDiscount } from '../shared/webhookContract.ts';
import { displayText } from './displayText.ts';
import type { Formatters } from './formatters.ts';

/**
 * What a voucher gives, in words that follow both "Your code for" and "It gives you":
 * "15% off, up to €50.00", "€10.00 off", "a fixed price of €49.99", "a free Espresso cup",
 * "3 × Espresso cup free", "2 units off", "a free Espresso cup and 2 × Biscotti free",
 * "a gift card worth €25.00", "120 loyalty points". For a referral code (isReferralCode) it is
 * what the friends who use the code get. Null when the voucher does not say (the templates then
 * leave the sentence out).
 *
 * The voucher's `type` decides which object to read; without one, whichever object is present.
 * Gift cards and loyalty cards state what is left on them (balance) before what they started with.
 */
export function describeDiscount(voucher: Voucher, format: Formatters): string | null {
  switch (voucher.type) {
    case 'GIFT_VOUCHER':
      return describeGift(voucher, format);
    case 'LOYALTY_CARD':
      return describeLoyalty(voucher, format);
    case 'DISCOUNT_VOUCHER':
      return describeDiscountObject(voucher, format);
    default:
      return describeDiscountObject(voucher, format) ?? describeGift(voucher, format) ?? describeLoyalty(voucher, format);
  }
}

/**
 * A code the customer shares with friends (a referral program's code): its discount is what the
 * friends who use it get, not the customer, so a message must not say "it gives you".
 */
export const isReferralCode = (voucher: Voucher, campaignType: string | null | undefined): boolean =>
  voucher.is_referral_code === true || campaignType === 'REFERRAL_PROGRAM';

function describeDiscountObject({ discount }: Voucher, format: Formatters): string | null {
  if (!discount) return null;
  switch (discount.type) {
    case 'PERCENT': {
      if (!isAmount(discount.percent_off)) return null;
      const off = `${format.percent(discount.percent_off)} off`;
      return isAmount(discount.amount_limit) ? `${off}, up to ${format.money(discount.amount_limit)}` : off;
    }
    case 'AMOUNT':
      return isAmount(discount.amount_off) ? `${format.money(discount.amount_off)} off` : null;
    case 'FIXED':
      return isAmount(discount.fixed_amount) ? `a fixed price of ${format.money(discount.fixed_amount)}` : null;
    case 'UNIT':
      // One free item carries unit_off itself; several (effect ADD_MANY_ITEMS) come as `units`.
      return describeFreeUnits(discount.units?.length ? discount.units : [discount], format);
    default:
      return null;
  }
}

/** A free item of a UNIT discount: the discount itself, or one entry of its `units`. */
type FreeUnit = Pick<VoucherDiscount, 'unit_off' | 'product' | 'sku'> | null | undefined;

/** A subject has room for a few items; the rest are counted ("and 4 more free units"). */
const MAX_NAMED_ITEMS = 3;
// The copy is English whatever the locale numbers and money are written in.
const ENGLISH_LIST = new Intl.ListFormat('en-GB', { type: 'conjunction' });

function describeFreeUnits(units: readonly FreeUnit[], format: Formatters): string | null {
  const named: string[] = [];
  let unnamedUnits = 0;
  for (const unit of units) {
    if (!isAmount(unit?.unit_off)) continue;
    // The variant's name says more than its product's; Voucherify's ids (prod_…) say nothing to a customer.
    const name = displayText(unit.sku?.name) ?? displayText(unit.product?.name);
    if (name && named.length < MAX_NAMED_ITEMS) {
      named.push(unit.unit_off === 1 ? `a free ${name}` : `${format.count(unit.unit_off)} × ${name} free`);
    } else {
      unnamedUnits += unit.unit_off;
    }
  }
  if (unnamedUnits > 0) {
    const units = unnamedUnits === 1 ? 'unit' : 'units';
    named.push(named.length > 0 ? `${format.count(unnamedUnits)} more free ${units}` : `${format.count(unnamedUnits)} ${units} off`);
  }
  return named.length > 0 ? ENGLISH_LIST.format(named) : null;
}

function describeGift({ gift }: Voucher, format: Formatters): string | null {
  const cents = gift?.balance ?? gift?.amount;
  return isAmount(cents) ? `a gift card worth ${format.money(cents)}` : null;
}

function describeLoyalty({ loyalty_card: card }: Voucher, format: Formatters): string | null {
  const points = card?.balance ?? card?.points;
  return isAmount(points) ? `${format.count(points)} loyalty ${points === 1 ? 'point' : 'points'}` : null;
}

// Zero and negative amounts say nothing a customer could use.
const isAmount = (value: number | null | undefined): value is number => typeof value === 'number' && value > 0;
