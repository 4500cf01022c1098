import { GREETING, htmlDocument, TEXT_SIGN_OFF, VOUCHER_DETAILS_HTML, VOUCHER_DETAILS_TEXT } from './fragments.ts';
import type { MessageTemplate } from './messageTemplate.ts';

/**
 * "Send and publish unique codes": carries the code Voucherify published to the customer, what it
 * gives in words and, when it has one, the date it expires.
 */
export const UNIQUE_CODE_TEMPLATE: MessageTemplate = {
  subject: `{{#voucher.discount}}Your code for {{voucher.discount}}{{/voucher.discount}}{{^voucher.discount}}Your personal code{{/voucher.discount}}`,
  text: `${GREETING},

Here is your personal code:
${VOUCHER_DETAILS_TEXT}
${TEXT_SIGN_OFF}`,
  html: htmlDocument(
    'Your personal code',
    `<p>${GREETING},</p>
<p>Here is your personal code:</p>
${VOUCHER_DETAILS_HTML}`,
  ),
};
