import { GREETING, htmlDocument, paragraph, TEXT_FOOTER, VOUCHER_DETAILS_HTML, VOUCHER_DETAILS_TEXT } from './fragments.ts';
import type { MessageTemplate } from './messageTemplate.ts';

/** "Your code for 15% off, up to €50.00", else "Your personal code". */
const CODE_SUBJECT =
  '{{#voucher.discount}}Your code for {{voucher.discount}}{{/voucher.discount}}{{^voucher.discount}}Your personal code{{/voucher.discount}}';

/** "Your code to share: friends get €10.00 off", else "Your code to share with friends". */
const REFERRAL_SUBJECT =
  '{{#voucher.referral_discount}}Your code to share: friends get {{voucher.referral_discount}}{{/voucher.referral_discount}}{{^voucher.referral_discount}}Your code to share with friends{{/voucher.referral_discount}}';

const SUBJECT = `{{#voucher.is_referral}}${REFERRAL_SUBJECT}{{/voucher.is_referral}}{{^voucher.is_referral}}${CODE_SUBJECT}{{/voucher.is_referral}}`;

/**
 * "Send and publish unique codes": carries the code Voucherify published to the customer, what it
 * gives in words (or, for a referral code, what friends who use it get) and, when it has one, the
 * date it expires.
 */
export const UNIQUE_CODE_TEMPLATE: MessageTemplate = {
  subject: SUBJECT,
  text: `${GREETING},

Here is your personal code:
${VOUCHER_DETAILS_TEXT}
${TEXT_FOOTER}`,
  html: htmlDocument({
    title: 'Your personal code',
    preheader: SUBJECT,
    body: `${paragraph(`${GREETING},`)}
${paragraph('Here is your personal code:')}
${VOUCHER_DETAILS_HTML}`,
  }),
};
