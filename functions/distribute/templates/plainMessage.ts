import { GREETING, htmlDocument, TEXT_SIGN_OFF } from './fragments.ts';
import type { MessageTemplate } from './messageTemplate.ts';

/**
 * "Send plain message to customers": greets the customer and thanks them. It does not name the
 * segment: segment names are the marketer's internal labels ("Churn risk Q4"), so the copy must
 * read well whichever segment sent it.
 */
export const PLAIN_MESSAGE_TEMPLATE: MessageTemplate = {
  subject: `{{#customer.first_name}}{{customer.first_name}}, thank you for being with us{{/customer.first_name}}{{^customer.first_name}}Thank you for being with us{{/customer.first_name}}`,
  text: `${GREETING},

Thank you for being with us. We are glad to have you.
${TEXT_SIGN_OFF}`,
  html: htmlDocument(
    'Thank you for being with us',
    `<p>${GREETING},</p>
<p>Thank you for being with us. We are glad to have you.</p>`,
  ),
};
