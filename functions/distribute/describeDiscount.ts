import type { Voucher } from '../shared/webhookContract.ts';
import type { Formatters } from './formatters.ts';

/**
 * What a voucher gives the customer, in words: "15% off, up to €50.00", "€10.00 off",
 * "pay only €5.00", "2 units off", "€25.00 gift card balance", "120 loyalty points".
 * Null when the voucher does not say (the templates then leave the sentence out).
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
      return isAmount(discount.fixed_amount) ? `pay only ${format.money(discount.fixed_amount)}` : null;
    case 'UNIT':
      return isAmount(discount.unit_off) ? `${format.count(discount.unit_off)} ${discount.unit_off === 1 ? 'unit' : 'units'} off` : null;
    default:
      return null;
  }
}

function describeGift({ gift }: Voucher, format: Formatters): string | null {
  const cents = gift?.balance ?? gift?.amount;
  return isAmount(cents) ? `${format.money(cents)} gift card balance` : null;
}

function describeLoyalty({ loyalty_card: card }: Voucher, format: Formatters): string | null {
  const points = card?.balance ?? card?.points;
  return isAmount(points) ? `${format.count(points)} loyalty ${points === 1 ? 'point' : 'points'}` : null;
}

// Zero and negative amounts say nothing a customer could use.
const isAmount = (value: number | null | undefined): value is number => typeof value === 'number' && value > 0;
